// A camera and a microphone drawn on one clock, for measuring A/V sync in a real browser. It replaces
// navigator.mediaDevices.getUserMedia, before the page's own scripts run, with one that returns a 1280x720 canvas
// (canvas.captureStream) and a WebAudio track (AudioContext.createMediaStreamDestination), both timed by the
// AudioContext's clock:
//
//   - the picture: read by a timer every 5 ms, the clock draws a new frame whenever floor(currentTime × 30) has
//     moved on, and hands it to the track at once (requestFrame; a frame drawn by a timer is captured at the end of
//     its task); the first frame drawn in a new second of currentTime is white, the others show testmedia's
//     pattern: color bars, a bouncing box, grain, and the frame number (currentTime × 30, modulo 60) in 16 squares
//     along the top, which mediacheck.PatternNumbers reads;
//   - the sound: a 1000 Hz oscillator behind a gain that is opened for 50 ms, at currentTime, by the same timer
//     tick that draws the white frame (AudioParam.setValueAtTime).
//
// A browser's file-backed fake camera and microphone each start on their own clock when opened, a new distance
// apart each time; here a flash and its beep are issued in the same instant, so what the stored file shows between
// them is what the browser and the server did, plus the time the beep takes to leave the AudioContext (its render
// buffer: a few ms, and the same for every beep). Beeps are not scheduled ahead on the audio clock: in a loaded
// headless browser the page's main thread stalls for hundreds of ms, which would delay the flash (drawn there)
// and not the beep (rendered on the audio thread); issued together, a stall delays both.
//
// window.oneClock counts the frames drawn (frames), the longest gap between two timer ticks in ms (longestGap),
// the time spent drawing (drawMs, longestDraw), and names the clock ("audio" once it runs).
(() => {
  const md = navigator.mediaDevices;
  if (!md) return;
  const W = 1280, H = 720, FPS = 30, TICK_MS = 5;
  const stats = (window.oneClock = { frames: 0, longestGap: 0, drawMs: 0, longestDraw: 0, clock: 'not started' });
  let source = null;

  // the sound: a beep() that starts a 50 ms beep now
  async function startSound() {
    const ac = new AudioContext({ sampleRate: 48000 });
    const running = await Promise.race([
      ac.resume().then(() => ac.state === 'running', () => false),
      new Promise((r) => setTimeout(() => r(false), 10000)), // a busy machine connects to its audio output slowly
    ]);
    if (!running) {
      void ac.close().catch(() => {});
      throw new DOMException(`oneclock.js: the AudioContext does not run (${ac.state})`, 'NotReadableError');
    }
    const dest = ac.createMediaStreamDestination();
    dest.channelCount = 1;
    const osc = ac.createOscillator();
    osc.frequency.value = 1000;
    const gate = ac.createGain();
    gate.gain.value = 0;
    osc.connect(gate).connect(dest);
    osc.start();
    const beep = () => {
      const at = ac.currentTime;
      gate.gain.cancelScheduledValues(at);
      gate.gain.setValueAtTime(0.5, at);
      gate.gain.setValueAtTime(0, at + 0.05);
    };
    return { now: () => ac.currentTime, beep, track: dest.stream.getAudioTracks()[0] };
  }

  function startPicture(clock) {
    const canvas = document.createElement('canvas');
    canvas.width = W;
    canvas.height = H;
    const g = canvas.getContext('2d', { alpha: false });
    const capture = canvas.captureStream(0);
    const video = capture.getVideoTracks()[0];
    // Chromium asks the track for a frame, Firefox the stream
    const requestFrame = video.requestFrame ? () => video.requestFrame() : () => capture.requestFrame();
    // grain: tiles of noise drawn over the picture, a different one each frame, so the encoder works as for a camera
    const grain = [];
    for (let i = 0; i < 4; i++) {
      const tile = document.createElement('canvas');
      tile.width = W / 4;
      tile.height = H / 4;
      const tg = tile.getContext('2d');
      const img = tg.createImageData(tile.width, tile.height);
      for (let p = 0; p < img.data.length; p += 4) {
        img.data[p] = img.data[p + 1] = img.data[p + 2] = Math.random() * 255;
        img.data[p + 3] = 28;
      }
      tg.putImageData(img, 0, 0);
      grain.push(tile);
    }
    const bars = ['#bfbfbf', '#bfbf00', '#00bfbf', '#00bf00', '#bf00bf', '#bf0000', '#0000bf', '#101010'];
    const bounce = (x, span) => { const m = x % (2 * span); return m < span ? m : 2 * span - m; };

    const draw = (n, flash) => {
      if (flash) {
        g.fillStyle = '#fff';
        g.fillRect(0, 0, W, H);
        return;
      }
      const barWidth = W / 8, shift = (4 * n) % W;
      for (let b = -1; b < 9; b++) {
        g.fillStyle = bars[(b + 8 + Math.floor(shift / barWidth)) % 8];
        g.fillRect(b * barWidth - (shift % barWidth), 0, barWidth + 1, H);
      }
      const side = Math.floor(H / 6);
      g.fillStyle = '#c850c8';
      g.fillRect(bounce(n * 5, W - side), bounce(n * 3, H - side), side, side);
      g.drawImage(grain[n % grain.length], 0, 0, W, H);
      // the frame number in 16 squares of 1/32 of the width: white for 1, black for 0
      const cell = W / 32, number = n % 60;
      for (let bit = 0; bit < 16; bit++) {
        g.fillStyle = (number >> (15 - bit)) & 1 ? '#fff' : '#000';
        g.fillRect(bit * cell, 0, cell, cell);
      }
    };

    let lastFrame = -1, lastSecond = -1, lastTick = 0;
    const tick = () => {
      const now = performance.now();
      if (lastTick) stats.longestGap = Math.max(stats.longestGap, now - lastTick);
      lastTick = now;
      const t = clock.now();
      const n = Math.floor(t * FPS);
      if (n !== lastFrame) {
        const second = Math.floor(t);
        const flash = second !== lastSecond;
        draw(n, flash);
        requestFrame();
        if (flash) clock.beep();
        const took = performance.now() - now;
        stats.drawMs += took;
        stats.longestDraw = Math.max(stats.longestDraw, took);
        lastFrame = n;
        lastSecond = second;
        stats.frames++;
      }
      setTimeout(tick, TICK_MS);
    };
    tick();
    return video;
  }

  async function start() {
    const sound = await startSound();
    stats.clock = 'audio';
    return { video: startPicture(sound), sound };
  }

  md.getUserMedia = async (constraints = {}) => {
    source ??= start();
    const { video, sound } = await source;
    const tracks = [];
    if (constraints.video) tracks.push(video.clone());
    if (constraints.audio) tracks.push(sound.track.clone());
    return new MediaStream(tracks);
  };
})();
