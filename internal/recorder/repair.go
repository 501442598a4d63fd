package recorder

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
)

const maxElement = 64 << 20 // larger "elements" in a damaged file are garbage, not data to allocate

var errBadElement = errors.New("malformed element")

// Repair rewrites a take file left behind by a crash (clusters on disk, no Cues, no real Duration, maybe a torn
// last cluster or damaged bytes in between) into a playable, seekable file, in place: the new file is written
// beside it in root and renamed over it. Every frame that can still be read is kept; a damaged stretch is
// skipped up to the next cluster. A file with no frame at all gives ErrNoMedia and is left as it is.
func Repair(root *os.Root, name string) (Stats, error) {
	stats, err := rewriteFile(root, name, 0, false)
	if err != nil {
		return Stats{}, fmt.Errorf("repair %s: %w", name, err)
	}
	return stats, nil
}

// ErrUnsupported is returned by Adopt for a file that is not VP8/Opus WebM, or that is damaged.
var ErrUnsupported = errors.New("recorder: not an intact VP8/Opus WebM file")

// Adopt checks a WebM file made elsewhere (a browser's MediaRecorder) and rewrites it in place as the recorder
// writes its own takes: clusters on keyframes, Cues and Duration, so that players can seek it. Its tracks must be
// VP8 and Opus and every frame intact; anything else gives ErrUnsupported and leaves the file as it is.
func Adopt(root *os.Root, name string) (Stats, error) {
	stats, err := rewriteFile(root, name, 0, true)
	if err != nil {
		return Stats{}, fmt.Errorf("adopt %s: %w", name, err)
	}
	return stats, nil
}

// Inspect counts what a WebM file holds (frames, length, the picture's size in its header) without changing it,
// reading past what cannot be read as Repair would.
func Inspect(r io.Reader) (Stats, error) {
	sc := &scanner{r: bufio.NewReaderSize(r, 1<<20)}
	if err := sc.header(); err != nil {
		return Stats{}, err
	}
	var stats Stats
	kinds := map[uint64]uint64{}
	for _, t := range sc.tracks {
		kinds[t.TrackNumber] = t.TrackType
		if t.TrackType == 1 && t.Video != nil && stats.Width == 0 {
			stats.Width, stats.Height = int(t.Video.PixelWidth), int(t.Video.PixelHeight)
		}
	}
	first, last, any := int64(0), int64(0), false
	var buf []block
	for {
		var err error
		buf, err = sc.next(buf[:0])
		for _, b := range buf {
			switch kinds[b.track] {
			case 1:
				stats.VideoFrames++
			case 2:
				stats.AudioFrames++
			default:
				continue
			}
			if !any || b.ms < first {
				first = b.ms
			}
			last, any = max(last, b.ms), true
		}
		if err != nil {
			break
		}
	}
	stats.Duration = time.Duration(last-first) * time.Millisecond
	return stats, nil
}

// rewriteFile rewrites a file in place as Repair says, moving its sound by audioDelta against its picture
// (sound moved before the first picture is left out). strict refuses, with ErrUnsupported, other codecs than
// VP8 and Opus and a file with a damaged stretch, instead of skipping what cannot be read.
func rewriteFile(root *os.Root, name string, audioDelta time.Duration, strict bool) (Stats, error) {
	in, err := root.Open(name)
	if err != nil {
		return Stats{}, err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return Stats{}, err
	}
	sc := &scanner{r: bufio.NewReaderSize(in, 1<<20), size: fi.Size()}
	if err := sc.header(); err != nil {
		return Stats{}, err
	}
	if strict {
		for _, t := range sc.tracks {
			if t.CodecID != "V_VP8" && t.CodecID != "A_OPUS" {
				return Stats{}, fmt.Errorf("%w: a track is %s", ErrUnsupported, t.CodecID)
			}
		}
	}

	removeLeftovers(root, name)
	tmp := name + ".repair-" + randomHex()
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Stats{}, err
	}
	stats, err := sc.rewrite(newSink(f), audioDelta.Milliseconds())
	if err == nil && strict && (sc.gaps > 0 || sc.damaged) {
		err = fmt.Errorf("%w: it is damaged or cut short", ErrUnsupported)
	}
	if err != nil {
		_ = root.Remove(tmp)
		return Stats{}, err
	}
	if err := root.Rename(tmp, name); err != nil {
		_ = root.Remove(tmp)
		return Stats{}, err
	}
	if d, err := root.Open(filepath.Join(filepath.Dir(name), ".")); err == nil {
		_ = d.Sync() // the rename itself reaches the disk
		_ = d.Close()
	}
	return stats, nil
}

// removeLeftovers deletes temporary files of an earlier Repair of name that did not finish (a crash while
// repairing).
func removeLeftovers(root *os.Root, name string) {
	dir, base := filepath.Split(name)
	d, err := root.Open(filepath.Join(dir, "."))
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	for _, n := range names {
		if strings.HasPrefix(n, base+".repair-") {
			_ = root.Remove(filepath.Join(dir, n))
		}
	}
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// scanner reads a Matroska/WebM file front to back, tolerating a torn end and damaged stretches.
type scanner struct {
	r    *bufio.Reader
	pos  int64
	size int64 // of the file; 0: unknown
	gaps int   // damaged stretches skipped so far
	// damaged: something could not be read (a damaged stretch or block, a torn end)
	damaged bool

	tracks   []webm.TrackEntry
	scale    int64 // ns per timecode unit
	date     time.Time
	cluster  int64 // current cluster's timecode
	clusters int   // clusters entered
	pending  *element
}

// element is an element header just read.
type element struct {
	id      uint64
	size    int64 // -1: unknown
	dataPos int64
}

// header reads up to the first cluster: track entries, timecode scale.
func (s *scanner) header() error {
	s.scale = int64(time.Millisecond)
	e, err := s.element()
	if err != nil || e.id != idEBML {
		return fmt.Errorf("not a WebM file: %w", ErrNoMedia)
	}
	if err := s.skip(e); err != nil {
		return fmt.Errorf("not a WebM file: %w", ErrNoMedia)
	}
	if e, err = s.element(); err != nil || e.id != idSegment {
		return fmt.Errorf("no segment: %w", ErrNoMedia)
	}
	for {
		e, err := s.element()
		if err != nil {
			return fmt.Errorf("no cluster: %w", ErrNoMedia)
		}
		switch e.id {
		case idCluster:
			if s.tracks == nil {
				return fmt.Errorf("no tracks: %w", ErrNoMedia)
			}
			s.pending = e
			return nil
		case idInfo:
			body, err := s.body(e)
			if err != nil {
				return fmt.Errorf("torn segment info: %w", ErrNoMedia)
			}
			s.info(body)
		case idTracks:
			body, err := s.body(e)
			if err != nil {
				return fmt.Errorf("torn track list: %w", ErrNoMedia)
			}
			if err := s.parseTracks(body); err != nil {
				return err
			}
		default:
			if err := s.skip(e); err != nil {
				return fmt.Errorf("no cluster: %w", ErrNoMedia)
			}
		}
	}
}

// info reads the timecode scale and creation date of a segment.
func (s *scanner) info(body []byte) {
	sub := &scanner{r: bufio.NewReader(bytes.NewReader(body))}
	for {
		e, err := sub.element()
		if err != nil || e.size < 0 {
			return
		}
		b, err := sub.body(e)
		if err != nil {
			return
		}
		switch e.id {
		case idTimecodeScale:
			if v := readUint(b); v > 0 && v <= uint64(time.Second) {
				s.scale = int64(v)
			}
		case idDateUTC:
			if len(b) == 8 {
				epoch := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
				s.date = epoch.Add(time.Duration(int64(binary.BigEndian.Uint64(b))))
			}
		}
	}
}

func (s *scanner) parseTracks(body []byte) error {
	head := appendBytes(nil, idTracks, body)
	var v struct {
		Tracks webm.Tracks `ebml:"Tracks"`
	}
	if err := ebml.Unmarshal(bytes.NewReader(head), &v, ebml.WithIgnoreUnknown(true)); err != nil {
		return fmt.Errorf("track list: %v: %w", err, ErrNoMedia)
	}
	if len(v.Tracks.TrackEntry) == 0 {
		return fmt.Errorf("empty track list: %w", ErrNoMedia)
	}
	s.tracks = v.Tracks.TrackEntry
	return nil
}

// block is one frame read back.
type block struct {
	track   uint64
	ms      int64
	key     bool
	data    []byte
	end     int64 // file offset after the block
	cluster int   // index of its cluster, from 1
}

// next appends the next frames in file order to out; io.EOF at the end of what is readable.
func (s *scanner) next(out []block) ([]block, error) {
	for {
		e := s.pending
		s.pending = nil
		var err error
		if e == nil {
			e, err = s.element()
		}
		if err == nil {
			switch e.id {
			case idSegment, idCluster:
				// masters: their children follow, whatever their size says
				if e.id == idCluster {
					s.cluster = 0
					s.clusters++
				}
				continue
			case idTimecode:
				var b []byte
				if b, err = s.body(e); err == nil {
					s.cluster = int64(readUint(b))
					continue
				}
			case idSimpleBlock, idBlockGroup:
				var b []byte
				if b, err = s.body(e); err == nil {
					if blocks, ok := s.blocks(e.id, b); ok {
						return append(out, blocks...), nil
					}
					s.damaged = true
					continue // a damaged block: skip it
				}
			default:
				if err = s.skip(e); err == nil {
					continue
				}
			}
		}
		if err != io.EOF {
			s.damaged = true
		}
		if !errors.Is(err, errBadElement) || s.resync() != nil {
			return out, io.EOF
		}
	}
}

// blocks decodes a SimpleBlock or a BlockGroup's Block.
func (s *scanner) blocks(id uint64, body []byte) ([]block, bool) {
	key := true
	if id == idBlockGroup {
		sub := &scanner{r: bufio.NewReader(bytes.NewReader(body))}
		var inner []byte
		for {
			e, err := sub.element()
			if err != nil || e.size < 0 {
				break
			}
			b, err := sub.body(e)
			if err != nil {
				break
			}
			switch e.id {
			case idBlock:
				inner = b
			case idReferenceBlock:
				key = false
			}
		}
		if inner == nil {
			return nil, false
		}
		body = inner
	}
	b, err := ebml.UnmarshalBlock(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return nil, false
	}
	if id == idSimpleBlock {
		key = b.Keyframe
	}
	ms := (s.cluster + int64(b.Timecode)) * s.scale / int64(time.Millisecond)
	var out []block
	for _, d := range b.Data {
		out = append(out, block{track: b.TrackNumber, ms: ms, key: key, data: d, end: s.pos, cluster: s.clusters})
	}
	return out, true
}

// resync looks for the next cluster after damaged bytes: a cluster ID followed by a size and a Timecode.
func (s *scanner) resync() error {
	var window uint32
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return err
		}
		s.pos++
		window = window<<8 | uint32(c)
		if window != idCluster {
			continue
		}
		if _, _, err := s.vint(false); err != nil {
			if errors.Is(err, errBadElement) {
				continue
			}
			return err
		}
		e, err := s.element()
		if errors.Is(err, errBadElement) || (err == nil && (e.id != idTimecode || e.size > 8)) {
			continue
		}
		if err != nil {
			return err
		}
		b, err := s.body(e)
		if err != nil {
			return err
		}
		s.cluster = int64(readUint(b))
		s.clusters++
		s.gaps++
		return nil
	}
}

// element reads an element header.
func (s *scanner) element() (*element, error) {
	id, _, err := s.vint(true)
	if err != nil {
		return nil, err
	}
	size, _, err := s.vint(false)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF // torn between an ID and its size
	}
	if err != nil {
		return nil, err
	}
	return &element{id: uint64(id), size: size, dataPos: s.pos}, nil
}

// vint reads an EBML variable-length integer: an ID keeps its marker bits; a size of all ones is unknown (-1).
func (s *scanner) vint(isID bool) (int64, int, error) {
	c, err := s.r.ReadByte()
	if err != nil {
		return 0, 0, err
	}
	s.pos++
	n := 1
	for mask := byte(0x80); n <= 8 && c&mask == 0; mask >>= 1 {
		n++
	}
	if n > 8 || (isID && n > 4) {
		return 0, 0, errBadElement
	}
	v := uint64(c)
	if !isID {
		v &= uint64(0xff >> n)
	}
	allOnes := v == uint64(0xff>>n)
	for i := 1; i < n; i++ {
		b, err := s.r.ReadByte()
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // torn inside the number
		}
		if err != nil {
			return 0, 0, err
		}
		s.pos++
		v = v<<8 | uint64(b)
		allOnes = allOnes && b == 0xff
	}
	if isID {
		return int64(v), n, nil
	}
	if allOnes {
		return -1, n, nil
	}
	if v > 1<<56 {
		return 0, 0, errBadElement
	}
	return int64(v), n, nil
}

// fits reports whether an element's data lies inside the file.
func (s *scanner) fits(e *element) bool {
	return e.size >= 0 && (s.size == 0 || e.dataPos+e.size <= s.size)
}

// body reads an element's data.
func (s *scanner) body(e *element) ([]byte, error) {
	if !s.fits(e) || e.size > maxElement {
		return nil, errBadElement
	}
	b := make([]byte, e.size)
	n, err := io.ReadFull(s.r, b)
	s.pos += int64(n)
	return b, err
}

// skip passes over an element's data.
func (s *scanner) skip(e *element) error {
	if !s.fits(e) {
		return errBadElement
	}
	n, err := s.r.Discard(int(min(e.size, 1<<40)))
	s.pos += int64(n)
	return err
}

func readUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// rewrite writes the tracks and every readable frame into out, with fresh Cues and Duration, the sound moved by
// audioDelta ms.
func (s *scanner) rewrite(out *sink, audioDelta int64) (Stats, error) {
	var stats Stats
	mainTrack, minMs, maxMs := uint64(0), int64(audioOnlyCluster), int64(audioOnlyCluster)
	for _, t := range s.tracks {
		if t.TrackType == 1 && t.Video != nil {
			mainTrack, minMs, maxMs = t.TrackNumber, minCluster, maxCluster
			stats.Width, stats.Height = int(t.Video.PixelWidth), int(t.Video.PixelHeight)
			break
		}
	}
	if mainTrack == 0 {
		mainTrack = s.tracks[0].TrackNumber
	}
	date := s.date
	if date.IsZero() {
		date = time.Now()
	}
	w, err := newWebmWriter(out, s.tracks, mainTrack, minMs, maxMs, date)
	if err != nil {
		_ = out.finish()
		return Stats{}, err
	}
	byNumber := map[uint64]int{}
	for i, t := range s.tracks {
		byNumber[t.TrackNumber] = i
	}
	last := make([]int64, len(s.tracks))
	wrote := make([]bool, len(s.tracks))
	lastMs := int64(0)
	frames := 0
	emit := func(b block) {
		i := byNumber[b.track]
		ms := b.ms
		if wrote[i] && ms <= last[i] {
			ms = last[i] + 1
		}
		ms = max(ms, lastMs)
		if !w.block(b.track, b.key, ms, b.data) {
			return
		}
		d := time.Duration(ms) * time.Millisecond
		switch s.tracks[i].TrackType {
		case 1:
			if stats.VideoFrames == 0 {
				stats.FirstVideo = d
			}
			stats.VideoFrames++
		case 2:
			if stats.AudioFrames == 0 {
				stats.FirstAudio = d
			}
			stats.AudioFrames++
		}
		last[i], wrote[i], lastMs = ms, true, ms
		frames++
	}

	// Blocks wait in held, in the order of their new times, until no block still to be read can come before
	// them: the file is in time order, so a block read later is at least at newest+min(0, audioDelta).
	var held []block
	newest := int64(math.MinInt64)
	videoGaps := 0 // damaged stretches before the last video frame read
	var buf []block
	for {
		var err error
		buf, err = s.next(buf[:0])
		for _, b := range buf {
			i, ok := byNumber[b.track]
			if !ok {
				continue
			}
			if s.tracks[i].CodecID == "V_VP8" && !wellFormedVP8(b.data) {
				s.gaps++ // damaged bytes inside a frame whose block header survived
				continue
			}
			if s.tracks[i].TrackType == 1 && s.gaps != videoGaps {
				// frames after a damaged stretch refer to frames that are gone: wait for a keyframe
				if !b.key {
					continue
				}
				videoGaps = s.gaps
			}
			newest = max(newest, b.ms)
			if s.tracks[i].TrackType == 2 && audioDelta != 0 {
				if b.ms += audioDelta; b.ms < 0 && mainTrack != b.track {
					continue // moved before the first picture
				}
			}
			at := len(held)
			for at > 0 && held[at-1].ms > b.ms {
				at--
			}
			held = slices.Insert(held, at, b)
			n := 0
			for n < len(held) && held[n].ms <= newest+min(0, audioDelta) {
				emit(held[n])
				n++
			}
			held = slices.Delete(held, 0, n)
		}
		if err != nil {
			break
		}
	}
	for _, b := range held {
		emit(b)
	}
	w.finish()
	if err := out.finish(); err != nil {
		return Stats{}, err
	}
	if frames == 0 {
		return Stats{}, ErrNoMedia
	}
	// the writer's timeline starts at the first frame
	first := min(stats.FirstVideo, stats.FirstAudio)
	if stats.VideoFrames == 0 {
		first = stats.FirstAudio
	} else if stats.AudioFrames == 0 {
		first = stats.FirstVideo
	}
	stats.Duration = time.Duration(lastMs)*time.Millisecond - first
	stats.FirstVideo -= first
	stats.FirstAudio -= first
	stats.Bytes = out.size()
	return stats, nil
}

// wellFormedVP8 checks a VP8 frame's header (RFC 6386, 9.1): the first partition fits in the frame, and a
// keyframe carries its start code. Zeroed bytes fail it: an all-zero tag claims a keyframe.
func wellFormedVP8(data []byte) bool {
	if len(data) < 3 {
		return false
	}
	header := 3
	if data[0]&1 == 0 { // keyframe
		header = 10
		if len(data) < header || data[3] != 0x9d || data[4] != 0x01 || data[5] != 0x2a {
			return false
		}
	}
	firstPartition := int(uint32(data[0])|uint32(data[1])<<8|uint32(data[2])<<16) >> 5
	return firstPartition <= len(data)-header
}
