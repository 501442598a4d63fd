package ingest

import (
	"crypto/rand"
	"encoding/base64"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// retryAfter is what a full server asks clients to wait before trying again.
const retryAfter = 5 * time.Second

type startResponse struct {
	ID         string `json:"id"`
	WHIPURL    string `json:"whip_url"`
	WHIPToken  string `json:"whip_token"`
	MaxSeconds int    `json:"max_seconds"`
}

// Start starts owner's take that goes to dest, for at most limit (capped by the server's longest answer), and
// answers the request: 201 with the take's WHIP session; 409 while another take of the owner is live; 503 with
// Retry-After while the server records as many takes as it may.
//
// Example:
//
//	video := ingest.Studio{Collection: pb_migrations.Questions, Record: question.Id, Field: "video"}
//	return in.Start(e, ingest.Member{ID: e.Auth.Id}, video, in.MaxAnswer())
func (in *Ingest) Start(e *core.RequestEvent, owner Owner, dest Destination, limit time.Duration) error {
	return in.StartPrepared(e, owner, limit, func() (Destination, error) { return dest, nil })
}

// StartPrepared is Start for a destination that is made only once the take may start, such as the answer record a
// candidate's take fills. prepare runs after the owner's and the server's room is checked, while no other take can
// start, so what it checks and creates does not race another start. When it returns an error (an answer to the
// request, e.g. e.ForbiddenError), nothing starts and that error is returned.
func (in *Ingest) StartPrepared(e *core.RequestEvent, owner Owner, limit time.Duration, prepare func() (Destination, error)) error {
	camera, err := readCamera(e)
	if err != nil {
		return err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := in.checkRoom(e, owner); err != nil {
		return err
	}
	if req, _ := ReadStart(e); req.Transport == TransportUpload {
		return e.BadRequestError("This take cannot be recorded by upload: start it without a transport.", nil)
	}
	dest, err := prepare()
	if err != nil {
		return err
	}
	t := newTake(in, owner, dest, min(limit, in.cfg.MaxAnswer))
	t.camera = camera
	return in.launch(e, t)
}

// Exclusive runs fn while no take can start, unless owner has a live take (409): a take that does not stream
// (an answer recorded by the page and uploaded) checks and makes its answer as a live start does, without racing
// one. fn answers the request itself.
func (in *Ingest) Exclusive(e *core.RequestEvent, owner Owner, fn func() error) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := in.checkOwner(e, owner); err != nil {
		return err
	}
	return fn()
}

// checkOwner refuses a second take of an owner who has a live one. Call with in.mu held.
func (in *Ingest) checkOwner(e *core.RequestEvent, owner Owner) error {
	for _, t := range in.takes {
		if t.owner == owner {
			return e.Error(http.StatusConflict, "Another answer of yours is being recorded right now. Finish or stop it first (it may be open in another tab).", nil)
		}
	}
	return nil
}

// checkRoom refuses a second live take of one owner and a take beyond the server's limit. Call with in.mu held.
func (in *Ingest) checkRoom(e *core.RequestEvent, owner Owner) error {
	if err := in.checkOwner(e, owner); err != nil {
		return err
	}
	if len(in.takes) >= in.cfg.MaxSessions {
		e.Response.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
		return e.Error(http.StatusServiceUnavailable, "The server is recording many answers right now. Please try again in a few seconds.", nil)
	}
	return nil
}

// launch registers a new take, starts its timers and answers with its WHIP session. Call with in.mu held.
func (in *Ingest) launch(e *core.RequestEvent, t *take) error {
	in.takes[t.id] = t
	in.wg.Add(1)
	go t.run()
	return e.JSON(http.StatusCreated, startResponse{
		ID:         t.id,
		WHIPURL:    in.cfg.PublicURL + "/api/takeone/whip/" + t.id,
		WHIPToken:  t.token,
		MaxSeconds: int(math.Ceil(t.limit.Seconds())),
	})
}

// TakeLimit is the recording time of a question of answerSeconds for a candidate with extraPercent more time: the
// question's time stretched, capped by the server.
func (in *Ingest) TakeLimit(answerSeconds, extraPercent int) time.Duration {
	limit := time.Duration(answerSeconds) * time.Second * time.Duration(100+extraPercent) / 100 // exact, no float
	return min(limit, in.cfg.MaxAnswer)
}

// TakeSeconds is TakeLimit in whole seconds, rounded up, as the candidate's page shows it.
func (in *Ingest) TakeSeconds(answerSeconds, extraPercent int) int {
	return int(math.Ceil(in.TakeLimit(answerSeconds, extraPercent).Seconds()))
}

// MaxAnswer is the server's longest take.
func (in *Ingest) MaxAnswer() time.Duration { return in.cfg.MaxAnswer }

// newWHIPToken returns 256 random bits: the key of one take's WHIP session.
func newWHIPToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: the runtime aborts rather than return weak randomness
	return base64.RawURLEncoding.EncodeToString(b)
}
