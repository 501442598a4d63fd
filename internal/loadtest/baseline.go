package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// baselineServer is the bare receiver (RunReceiver) in a child process: `takeone loadtest --receiver`.
type baselineServer struct {
	*child
	url string
}

var readyLine = regexp.MustCompile(regexp.QuoteMeta(readyPrefix) + `(\S+)`)

// startBaselineServer starts the receiver from bin. cpuProfile, when set, is where it writes its CPU profile.
func startBaselineServer(ctx context.Context, bin, dir, cpuProfile string) (*baselineServer, error) {
	args := []string{"loadtest", "--receiver"} // runs before PocketBase starts: no data dir

	if cpuProfile != "" {
		args = append(args, "--cpuprofile", cpuProfile)
	}
	c, err := startChild("the bare receiver", "receiver.log", bin, dir, nil, args...)
	if err != nil {
		return nil, err
	}
	c.endsOnStdin = true
	readyCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	url, err := c.waitPrinted(readyCtx, readyLine)
	if err != nil {
		_ = c.stop(5 * time.Second)
		return nil, err
	}
	return &baselineServer{child: c, url: url}, nil
}

func (b *baselineServer) startTake(context.Context, int) (takeTicket, error) {
	return takeTicket{whipURL: b.url + "/whip", token: "loadtest"}, nil
}

func (b *baselineServer) ended(_ takeTicket, body []byte) (int64, error) {
	var counts struct {
		Frames int64 `json:"frames"`
	}
	if err := json.Unmarshal(body, &counts); err != nil {
		return 0, fmt.Errorf("the receiver's DELETE answer is not JSON: %q", body)
	}
	return counts.Frames, nil
}
