// Package loadtest measures what the recorder costs on this machine: it starts a real `takeone serve` as a child
// process, opens N takes at once through the candidate API, publishes a clip to each over WHIP on loopback for S
// seconds, ends each with DELETE and checks the saved files. For scale it runs the same publishers against a bare
// receiver, a child process that receives WebRTC with the same engine and throws the media away: the floor cost of
// receiving WebRTC in Go. The report sets the two side by side (CPU, memory, setup time, frames) and gives the
// recorder's cost as a multiple of the floor.
//
// Traffic stays on 127.0.0.1, every loop is bounded by the number of takes and a deadline, and the child
// processes end with the run (or with their parent).
package loadtest
