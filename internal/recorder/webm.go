package recorder

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
)

// EBML element IDs (with their length marker bits, as they appear in the file).
const (
	idEBML               = 0x1A45DFA3
	idEBMLVersion        = 0x4286
	idEBMLReadVersion    = 0x42F7
	idEBMLMaxIDLength    = 0x42F2
	idEBMLMaxSizeLength  = 0x42F3
	idDocType            = 0x4282
	idDocTypeVersion     = 0x4287
	idDocTypeReadVersion = 0x4285
	idVoid               = 0xEC

	idSegment       = 0x18538067
	idSeekHead      = 0x114D9B74
	idSeek          = 0x4DBB
	idSeekID        = 0x53AB
	idSeekPosition  = 0x53AC
	idInfo          = 0x1549A966
	idTimecodeScale = 0x2AD7B1
	idMuxingApp     = 0x4D80
	idWritingApp    = 0x5741
	idDuration      = 0x4489
	idDateUTC       = 0x4461
	idTracks        = 0x1654AE6B
	idTags          = 0x1254C367
	idChapters      = 0x1043A770
	idAttachments   = 0x1941A469

	idCluster        = 0x1F43B675
	idTimecode       = 0xE7
	idPrevSize       = 0xAB
	idSimpleBlock    = 0xA3
	idBlockGroup     = 0xA0
	idBlock          = 0xA1
	idReferenceBlock = 0xFB

	idCues               = 0x1C53BB6B
	idCuePoint           = 0xBB
	idCueTime            = 0xB3
	idCueTrackPositions  = 0xB7
	idCueTrack           = 0xF7
	idCueClusterPosition = 0xF1
)

// unknownSize is the size of a master element whose end is not known when it starts (the Segment, each Cluster):
// 8 bytes, all value bits set. A reader takes such an element to end where an element that cannot be its child
// begins, which lets clusters go to the disk as they are written.
var unknownSize = []byte{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}

// appendID appends an element ID. IDs are kept with their length marker, so their bytes are written as they are.
func appendID(b []byte, id uint64) []byte {
	switch {
	case id >= 1<<24:
		return append(b, byte(id>>24), byte(id>>16), byte(id>>8), byte(id))
	case id >= 1<<16:
		return append(b, byte(id>>16), byte(id>>8), byte(id))
	case id >= 1<<8:
		return append(b, byte(id>>8), byte(id))
	}
	return append(b, byte(id))
}

// appendSize appends n as an EBML variable-length integer of the fewest bytes: the number of leading zero bits
// tells the length, the marker bit follows. A value with every bit set is reserved for "unknown", hence the -1.
// n must be below 2^56-1.
func appendSize(b []byte, n uint64) []byte {
	l := 1
	for l < 8 && n >= 1<<(7*l)-1 {
		l++
	}
	v := n | 1<<(7*l)
	for i := l - 1; i >= 0; i-- {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

// appendSize8 appends n as an 8-byte size, for an element whose size is filled in or changed later.
func appendSize8(b []byte, n uint64) []byte {
	return binary.BigEndian.AppendUint64(b, n|1<<56)
}

// appendUint appends an unsigned integer element in the fewest bytes (at least one).
func appendUint(b []byte, id uint64, v uint64) []byte {
	n := 1
	for n < 8 && v >= 1<<(8*n) {
		n++
	}
	b = appendID(b, id)
	b = append(b, 0x80|byte(n))
	for i := n - 1; i >= 0; i-- {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

// appendFixed8 appends an element with 8 bytes of data: a float's bits, a date, or a position to fill in later.
func appendFixed8(b []byte, id uint64, v uint64) []byte {
	b = appendID(b, id)
	b = append(b, 0x88) // size 8
	return binary.BigEndian.AppendUint64(b, v)
}

// appendBytes appends an element whose data is p: a string, binary data, or a master's children.
func appendBytes(b []byte, id uint64, p []byte) []byte {
	b = appendID(b, id)
	b = appendSize(b, uint64(len(p)))
	return append(b, p...)
}

// appendVoid appends a Void element of exactly n bytes (n >= 9), with an 8-byte size so that any n fits.
func appendVoid(b []byte, n int) []byte {
	b = appendID(b, idVoid)
	b = appendSize8(b, uint64(n-9))
	return append(b, make([]byte, n-9)...)
}

// webmWriter writes one WebM file into a sink as frames come: the header once, then each frame as a SimpleBlock
// in a cluster of unknown size, by hand and without allocating, and at the end the Cues and the Duration into the
// space the header left for them. Frames must come in timestamp order (equal timestamps allowed), all tracks
// interleaved. Only the track list goes through ebml-go, once per file.
//
// The file: EBML header; Segment (unknown size) with SeekHead (Info, Tracks, Cues), Info (TimecodeScale 1 ms,
// Duration, DateUTC), Tracks, a Void of cuesReserve bytes that becomes the Cues, then the clusters. A cluster
// starts at the first frame, at a keyframe of the main track minMs or more after the current cluster's start,
// and at any frame maxMs after it. Timestamps are written relative to the first frame's. Each cluster that starts
// on a keyframe gets a cue point.
type webmWriter struct {
	out                *sink
	mainTrack          uint64
	minMs, maxMs       int64
	pos                int64 // bytes written so far: the file offset of the next one
	segmentAt          int64 // file offset of the Segment's data: SeekHead and Cues positions count from it
	cuesAt, durationAt int64 // file offsets of the space reserved for Cues and of Duration's value
	started, finished  bool
	t0                 int64 // first frame's timestamp: the file's time 0
	lastMs             int64
	clusterMs          int64 // current cluster's timestamp
	clusterAt          int64 // and file offset
	cues               []cuePoint
	head               [32]byte // scratch for element headers, so that writing a frame allocates nothing
}

type cuePoint struct {
	ms, track uint64
	at        int64 // relative to segmentAt
}

// newWebmWriter writes the file header to out.
func newWebmWriter(out *sink, tracks []webm.TrackEntry, mainTrack uint64, minMs, maxMs int64,
	date time.Time) (*webmWriter, error) {
	w := &webmWriter{out: out, mainTrack: mainTrack, minMs: minMs, maxMs: maxMs}
	var list bytes.Buffer
	doc := struct {
		Tracks webm.Tracks `ebml:"Tracks"`
	}{webm.Tracks{TrackEntry: tracks}}
	if err := ebml.Marshal(&doc, &list); err != nil {
		return nil, fmt.Errorf("track list: %w", err)
	}

	var h []byte
	h = appendUint(h, idEBMLVersion, 1)
	h = appendUint(h, idEBMLReadVersion, 1)
	h = appendUint(h, idEBMLMaxIDLength, 4)
	h = appendUint(h, idEBMLMaxSizeLength, 8)
	h = appendBytes(h, idDocType, []byte("webm"))
	h = appendUint(h, idDocTypeVersion, 4)     // may hold elements of version 4,
	h = appendUint(h, idDocTypeReadVersion, 2) // and plays with version 2's
	b := appendBytes(nil, idEBML, h)
	b = appendID(b, idSegment)
	b = append(b, unknownSize...)
	w.segmentAt = int64(len(b))

	var info []byte
	info = appendUint(info, idTimecodeScale, uint64(time.Millisecond))
	info = appendBytes(info, idMuxingApp, []byte("takeone"))
	info = appendBytes(info, idWritingApp, []byte("takeone"))
	info = appendFixed8(info, idDuration, 0) // a float, 0 until finish fills it in
	durationInInfo := len(info) - 8
	epoch := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC) // Matroska's dates are ns since then
	info = appendFixed8(info, idDateUTC, uint64(date.Sub(epoch)))
	infoHead := appendSize(appendID(nil, idInfo), uint64(len(info)))

	// The SeekHead's positions are 8-byte numbers, so its length does not depend on them.
	seekHead := func(infoAt, tracksAt, cuesAt uint64) []byte {
		var s []byte
		for _, e := range []struct{ id, at uint64 }{{idInfo, infoAt}, {idTracks, tracksAt}, {idCues, cuesAt}} {
			var seek []byte
			seek = appendBytes(seek, idSeekID, appendID(nil, e.id))
			seek = appendFixed8(seek, idSeekPosition, e.at)
			s = appendBytes(s, idSeek, seek)
		}
		return appendBytes(nil, idSeekHead, s)
	}
	infoAt := uint64(len(seekHead(0, 0, 0)))
	tracksAt := infoAt + uint64(len(infoHead)+len(info))
	cuesAt := tracksAt + uint64(list.Len())
	b = append(b, seekHead(infoAt, tracksAt, cuesAt)...)
	w.durationAt = int64(len(b)) + int64(len(infoHead)+durationInInfo)
	b = append(b, infoHead...)
	b = append(b, info...)
	b = append(b, list.Bytes()...)
	w.cuesAt = int64(len(b))
	b = appendVoid(b, cuesReserve)
	w.write(b)
	return w, nil
}

func (w *webmWriter) write(p []byte) {
	_, _ = w.out.Write(p) // the sink keeps a write error for the recorder to fail the take with
	w.pos += int64(len(p))
}

// block writes one frame of track at timestamp ms (TimecodeScale units: ms). It reports false if the frame
// cannot be written: a timestamp more than 32 s before its cluster's.
func (w *webmWriter) block(track uint64, key bool, ms int64, data []byte) bool {
	if w.finished || track >= 1<<56-1 { // a track number from a damaged file that no size field can hold
		return false
	}
	if !w.started {
		w.started, w.t0 = true, ms
		w.startCluster(track, key, ms)
	} else if rel := ms - w.clusterMs; rel >= w.maxMs || (track == w.mainTrack && key && rel >= w.minMs) {
		w.startCluster(track, key, ms)
	}
	rel := ms - w.clusterMs
	if rel < math.MinInt16 || rel > math.MaxInt16 {
		return false // a SimpleBlock's timestamp is 16 bits, relative to its cluster's
	}
	// SimpleBlock: track number, 16-bit relative timestamp, flags (0x80: keyframe; no lacing), then the frame
	var num [8]byte
	tn := appendSize(num[:0], track)
	h := appendID(w.head[:0], idSimpleBlock)
	h = appendSize(h, uint64(len(tn)+3+len(data)))
	h = append(h, tn...)
	h = binary.BigEndian.AppendUint16(h, uint16(int16(rel)))
	flags := byte(0)
	if key {
		flags = 0x80
	}
	h = append(h, flags)
	w.write(h)
	w.write(data)
	w.lastMs = ms
	return true
}

// startCluster begins a cluster at the frame about to be written.
func (w *webmWriter) startCluster(track uint64, key bool, ms int64) {
	prev := w.clusterAt
	w.clusterMs, w.clusterAt = ms, w.pos
	if key {
		w.cues = append(w.cues, cuePoint{ms: uint64(ms - w.t0), track: track, at: w.pos - w.segmentAt})
	}
	h := appendID(w.head[:0], idCluster)
	h = append(h, unknownSize...)
	h = appendUint(h, idTimecode, uint64(ms-w.t0))
	if prev > 0 {
		// the previous cluster's length, for players that step backwards
		h = appendUint(h, idPrevSize, uint64(w.pos-prev))
	}
	w.write(h)
}

// finish writes the Cues and the Duration into the space the header left for them. The caller then finishes the
// sink. Idempotent.
func (w *webmWriter) finish() {
	if w.finished {
		return
	}
	w.finished = true
	if len(w.cues) > 0 {
		_, _ = w.out.WriteAt(encodeCues(w.cues, cuesReserve), w.cuesAt)
	}
	var d [8]byte
	binary.BigEndian.PutUint64(d[:], math.Float64bits(float64(w.lastMs-w.t0)))
	_, _ = w.out.WriteAt(d[:], w.durationAt)
}

// encodeCues returns a Cues element and a Void after it, room bytes in all. Cue points that do not fit are
// thinned out, every other one at a time: seeking gets coarser, never impossible.
func encodeCues(points []cuePoint, room int) []byte {
	for {
		var list []byte
		for _, p := range points {
			var pos, point []byte
			pos = appendUint(pos, idCueTrack, p.track)
			pos = appendUint(pos, idCueClusterPosition, uint64(p.at))
			point = appendUint(point, idCueTime, p.ms)
			point = appendBytes(point, idCueTrackPositions, pos)
			list = appendBytes(list, idCuePoint, point)
		}
		cues := appendBytes(nil, idCues, list)
		// what is left must be empty or hold a Void (9 bytes at least, see appendVoid)
		if left := room - len(cues); left == 0 || left >= 9 {
			if left > 0 {
				cues = appendVoid(cues, left)
			}
			return cues
		}
		if len(points) == 1 {
			return appendVoid(nil, room)
		}
		thin := make([]cuePoint, 0, (len(points)+1)/2)
		for i := 0; i < len(points); i += 2 {
			thin = append(thin, points[i])
		}
		points = thin
	}
}
