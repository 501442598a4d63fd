package ingest

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// maxSDP bounds an offer or an ICE fragment; browsers' offers are a few kilobytes.
const maxSDP = 64 << 10

// deleteWait bounds how long DELETE waits for the file to be saved before answering.
const deleteWait = 30 * time.Second

// lookup finds a live take and checks the caller's token. It answers the error itself when it returns nil.
func (in *Ingest) lookup(e *core.RequestEvent) (*take, error) {
	in.mu.Lock()
	t := in.takes[e.Request.PathValue("take")]
	in.mu.Unlock()
	if t == nil {
		return nil, e.NotFoundError("No such take, or it has ended. Start a new take.", nil)
	}
	if !t.authorized(e.Request.Header.Get("Authorization")) {
		e.Response.Header().Set("WWW-Authenticate", `Bearer realm="takeone"`)
		return nil, e.UnauthorizedError("Send this take's whip_token as Authorization: Bearer TOKEN.", nil)
	}
	return t, nil
}

// readBody reads an SDP body of the given content type.
func readBody(e *core.RequestEvent, contentType string) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(e.Request.Header.Get("Content-Type"))
	if err != nil || mt != contentType {
		return nil, e.Error(http.StatusUnsupportedMediaType, "Send the body with Content-Type: "+contentType+".", nil)
	}
	body, err := io.ReadAll(io.LimitReader(e.Request.Body, maxSDP+1))
	if err != nil {
		return nil, e.BadRequestError("The body could not be read.", err)
	}
	if len(body) > maxSDP {
		return nil, e.Error(http.StatusRequestEntityTooLarge, "The body is too large for an SDP.", nil)
	}
	return body, nil
}

// whipPublish answers POST {whip_url}: the SDP offer in, 201 with the answer and the session's Location out.
func (in *Ingest) whipPublish(e *core.RequestEvent) error {
	t, err := in.lookup(e)
	if t == nil {
		return err
	}
	offer, err := readBody(e, "application/sdp")
	if err != nil {
		return err
	}
	if err := checkOffer(offer); err != nil {
		return e.BadRequestError(err.Error(), nil)
	}
	answer, err := t.publish(string(offer))
	switch {
	case errors.Is(err, errPublished):
		return e.Error(http.StatusConflict, err.Error(), nil)
	case errors.Is(err, errEnded):
		return e.NotFoundError("This take has ended. Start a new take.", nil)
	case err != nil:
		return e.BadRequestError(err.Error(), nil)
	}
	e.Response.Header().Set("Location", "/api/takeone/whip/"+t.id+"/session")
	e.Response.Header().Set("Access-Control-Expose-Headers", "Location")
	return e.Blob(http.StatusCreated, "application/sdp", []byte(answer))
}

// whipDelete answers DELETE {Location}: the take ends and its file is saved before the answer goes out.
func (in *Ingest) whipDelete(e *core.RequestEvent) error {
	t, err := in.lookup(e)
	if t == nil {
		return err
	}
	t.end(endDelete)
	select {
	case <-t.done:
		return e.JSON(http.StatusOK, deleteResponse{ID: t.id, Status: string(t.status), Whole: t.whole,
			DurationMs: t.length.Milliseconds()})
	case <-time.After(deleteWait):
		return e.Error(http.StatusAccepted, "The take has ended and is still being saved.", nil)
	}
}

// whipPatch answers PATCH {Location}: trickled candidates (the fragment carries the session's credentials: 204),
// or an ICE restart (new credentials, when the browser's network changed: 200 with our fragment).
func (in *Ingest) whipPatch(e *core.RequestEvent) error {
	t, err := in.lookup(e)
	if t == nil {
		return err
	}
	body, err := readBody(e, "application/trickle-ice-sdpfrag")
	if err != nil {
		return err
	}
	frag, err := parseSDPFrag(string(body))
	if err != nil {
		return e.BadRequestError(err.Error(), nil)
	}
	answer, err := t.patch(frag)
	switch {
	case errors.Is(err, errEnded):
		return e.NotFoundError("This take has ended. Start a new take.", nil)
	case errors.Is(err, errNotPublished):
		return e.Error(http.StatusConflict, err.Error(), nil)
	case errors.Is(err, errTooManyCandidates):
		return e.BadRequestError(err.Error(), nil)
	case err != nil:
		return e.BadRequestError(err.Error(), nil)
	case answer == "":
		return e.NoContent(http.StatusNoContent)
	}
	return e.Blob(http.StatusOK, "application/trickle-ice-sdpfrag", []byte(answer))
}

// whipOptions answers a WHIP client's preflight with what the endpoint accepts.
func (in *Ingest) whipOptions(e *core.RequestEvent) error {
	e.Response.Header().Set("Accept-Post", "application/sdp")
	return e.NoContent(http.StatusNoContent)
}
