package ingest

import (
	"encoding/json"
	"io"
	"mime"

	"github.com/pocketbase/pocketbase/core"

	"github.com/takeone/takeone/internal/recorder"
	"github.com/takeone/takeone/pb_migrations"
)

// Camera is what the page's camera gives (its video track's settings), sent with a take's start, so that the end
// of the take can say whether the live recording kept all of it.
type Camera struct {
	Width     int     `json:"width"`
	Height    int     `json:"height"`
	FrameRate float64 `json:"frame_rate"`
}

// Transports a take's start may ask for.
const (
	TransportLive   = "live"   // WebRTC (WHIP): the default
	TransportUpload = "upload" // the page records and uploads while recording (package upload): no WebRTC
)

// StartRequest is the optional JSON body of a take's start.
type StartRequest struct {
	Camera    *Camera `json:"camera"`
	Transport string  `json:"transport"` // TransportLive or TransportUpload; empty is live
}

// startRequestKey keeps the parsed body on the request: it is read once, by whichever asks first.
const startRequestKey = "takeone.startRequest"

// ReadStart reads a take start's JSON body; an empty one when there is none. A body that is not the JSON the
// route takes is answered with 400 (the returned error).
func ReadStart(e *core.RequestEvent) (StartRequest, error) {
	if req, ok := e.Get(startRequestKey).(StartRequest); ok {
		return req, nil
	}
	var req StartRequest
	mt, _, _ := mime.ParseMediaType(e.Request.Header.Get("Content-Type"))
	if mt != "application/json" {
		return req, nil // older pages send no body
	}
	data, err := io.ReadAll(io.LimitReader(e.Request.Body, 4<<10))
	if err != nil || len(data) == 0 {
		return req, nil
	}
	if err := json.Unmarshal(data, &req); err != nil {
		return req, e.BadRequestError(`Send the camera's settings as {"camera": {"width": 1280, "height": 720, "frame_rate": 30}}, or no body.`, nil)
	}
	if c := req.Camera; c != nil &&
		(c.Width < 16 || c.Width > 8192 || c.Height < 16 || c.Height > 8192 || c.FrameRate < 1 || c.FrameRate > 240) {
		return req, e.BadRequestError("The camera's width and height must be 16 to 8192 pixels and its frame rate 1 to 240.", nil)
	}
	switch req.Transport {
	case "", TransportLive, TransportUpload:
	default:
		return req, e.BadRequestError(`The transport is "live" (WebRTC, the default) or "upload" (recorded and uploaded while recording).`, nil)
	}
	e.Set(startRequestKey, req)
	return req, nil
}

// readCamera reads the camera from a start request's JSON body; nil when there is none.
func readCamera(e *core.RequestEvent) (*Camera, error) {
	req, err := ReadStart(e)
	return req.Camera, err
}

// whole says whether a finished take's live recording kept everything the camera gave: complete, no frame lost
// on the way (a dropped frame, a size change) and the camera's size from the first frame to the last. A take that
// stalled is not whole either (its caller knows). The frame rate is not judged: frames the camera or the browser's
// encoder did not give are not in the page's own copy either. Without a camera it cannot say, and says no: the
// page then sends its own copy.
func whole(cam *Camera, status pb_migrations.AnswerStatus, s recorder.Stats) bool {
	if cam == nil || status != pb_migrations.AnswerComplete || s.DroppedFrames > 0 || s.Resizes > 0 || s.VideoFrames == 0 {
		return false
	}
	// a phone turned on its side swaps width and height
	long, short := max(s.Width, s.Height), min(s.Width, s.Height)
	return long >= max(cam.Width, cam.Height) && short >= min(cam.Width, cam.Height)
}

// deleteResponse is the answer to DELETE {Location}: how the take ended, and whether the live recording is whole.
type deleteResponse struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Whole      bool   `json:"whole"`
	DurationMs int64  `json:"duration_ms"`
}
