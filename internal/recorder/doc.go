// Package recorder writes one take (VP8 video and Opus audio received over RTP) to one WebM file while the
// packets arrive. The file starts on a video keyframe, keeps sound and picture aligned from RTCP sender reports,
// reaches the disk at least every second, and gets Cues and a Duration when it is closed. Repair turns a file left
// behind by a crash into a complete one.
//
// # From packets to frames
//
// Each track's packets go through an assembler (assemble.go): a 1024-packet reorder window keyed by unwrapped
// sequence number. A frame leaves it only when every packet from its first (VP8: S=1, partition 0) to its last
// (marker bit, or the next timestamp) is there. A missing packet is waited for, as it may be late or
// retransmitted, until maxLate newer packets or maxWait of arrival time have passed since a later packet showed
// the hole (video 512 packets / 1 s, audio 8 / 100 ms); then the frames it touches are dropped and the next
// frame is marked lost. Video then waits for a keyframe and asks for one: a frame broken by loss, or one whose
// references are gone, is never written. VP8 frame headers and Opus packets (RFC 6716 R1-R7) are checked before
// they are queued. A hole in the sound (lost packets, an outage) is filled, as the frame after it is written,
// with Opus packets that carry no frame data, which decoders conceal: players that play sound packet after packet
// (ffmpeg does across holes under 100 ms) would otherwise play everything after a hole early, out of step with the
// picture. Only as much is filled as arrival time explains (conceal.go). Settled tells a caller ending a take
// whether a missing packet is still awaited, so that what was sent before the end, retransmissions included, can
// land before Close.
//
// # Timeline and A/V alignment
//
// RTP timestamps are unwrapped into 64 bits; a jump that elapsed arrival time cannot explain (more than 10 s ahead
// of it, or 10 s back) is a sender reset and is re-anchored on arrival time, so each track's timeline stays
// continuous. The file's time 0 is the first written keyframe; video times are RTP time since then. Audio is
// placed through a common clock: the sender's NTP clock when both tracks have sender reports (each track keeps
// the report that puts its RTP time earliest: a busy sender reports late, never early), else our arrival clock,
// mapped per track from its least delayed packet so that jitter does not move it. Reports that disagree with
// arrival times by more than a second are ignored. The sound's place is decided once, when the first sound is
// written, and kept: a shift that followed each report would step the sound in the middle of the answer. When
// the file is closed, the best alignment known by then (reports that came after the start, a less late report)
// is compared with the one used; if they differ by 10 ms or more, the file is rewritten once with the sound
// moved as a whole. The start waits up to 3 s for both tracks' reports, so that the whole file is aligned by them
// when the sender reports early (a browser may take a few seconds to send its first audio report).
//
// Audio and video frames are interleaved by file time. When one track has nothing queued the other waits up to
// 1 s of arrival time for it, unless its own queue spans more than that while the other's packets are not held
// behind a gap (after an outage, a burst of retransmitted video must not outrun the sound). Timestamps are kept
// strictly increasing per track and never older than what is written: a frame later than that is nudged forward,
// not dropped; filler for the sound is left out instead.
//
// # File layout and durability
//
// The WebM writer (webm.go) writes the EBML header, a SeekHead, Info (with a Duration filled in at the end),
// Tracks (VP8 with the first keyframe's size; Opus, 48 kHz, 2 channels, OpusHead with pre-skip 0 since RTP
// timestamps already say when each packet plays), 32 KiB reserved for Cues, then clusters of unknown size, so
// that each goes to the disk as it is written. A cluster starts on every video keyframe at least 500 ms after the
// previous cluster start, and the recorder asks for a keyframe every 2 s of video, so clusters, and the cue
// points that index them, are about 2 s apart. A video size change keeps the first size in the header: decoders
// follow the keyframes. On Close the writer fills in Cues (thinned out if they outgrow the reserve) and Duration.
// Frames are written as SimpleBlocks by hand, in the caller's goroutine: a frame costs a copy into the sink's
// buffer and no allocation (ebml-go, which marshalled each block by reflection on a goroutine of its own, is left
// with the track list, once per file).
//
// The bytes go through a sink that buffers up to 64 KiB, writes them to the file at least every second (a timer,
// so that a stalled take is written too) and syncs the file then and on Close. A process killed at any moment
// leaves a file whose clusters play up to about the last second; Repair rebuilds its Cues and Duration. A write
// error fails the take: WriteRTP and Close return it, and nothing blocks or panics.
package recorder
