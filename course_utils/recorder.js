// Whisper Lab's microphone recorder (course_utils/recorder.py, taught in notebooks/01_record_audio.ipynb).
// The microphone goes through an AudioWorklet that posts raw float32 samples; the page gathers them into chunks
// of `chunk_seconds` and sends each to the kernel as a binary buffer with its sequence number and sample rate.

// The AudioWorklet runs on the browser's audio thread: it averages the channels to mono and posts a block of
// samples every `blockFrames` frames. "flush" posts what is left, then {flushed: true}.
const WORKLET = `
class PcmTap extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.block = new Float32Array(options.processorOptions.blockFrames);
    this.filled = 0;
    this.port.onmessage = (event) => {
      if (event.data === "flush") {
        this.post();
        this.port.postMessage({ flushed: true });
      }
    };
  }
  post() {
    if (this.filled === 0) return;
    const samples = this.block.slice(0, this.filled);
    this.port.postMessage({ samples }, [samples.buffer]);
    this.filled = 0;
  }
  process(inputs) {
    const channels = inputs[0];
    if (channels && channels.length > 0) {
      const frames = channels[0].length;
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < channels.length; c++) sum += channels[c][i];
        this.block[this.filled++] = sum / channels.length;
        if (this.filled === this.block.length) this.post();
      }
    }
    return true;
  }
}
registerProcessor("whisper-lab-pcm-tap", PcmTap);
`;

const BLOCK_FRAMES = 1024; // frames per worklet message: about 23 ms at 44.1 kHz, for a lively level meter
const METER_FLOOR_DB = -60; // dBFS shown as an empty meter

const MESSAGES = {
  insecure:
    "The browser only allows the microphone on https or http://localhost: open Jupyter at " +
    "http://localhost:8888 or use an SSH tunnel (ssh -L 8888:localhost:8888 your-server).",
  NotAllowedError:
    "Microphone permission was denied: allow it in the browser's address bar and click Record again.",
  NotFoundError:
    "No microphone was found: plug one in (or choose one in your system's sound settings) and click Record again.",
  NotReadableError:
    "The microphone could not be opened (another program may be using it): close that program and click Record again.",
  noWorklet: "This browser cannot process audio in the page (no AudioWorklet): use a recent Chrome, Firefox or Safari.",
};
MESSAGES.SecurityError = MESSAGES.NotAllowedError;
MESSAGES.OverconstrainedError = MESSAGES.NotFoundError;

function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function clock(seconds) {
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${(seconds - 60 * minutes).toFixed(1).padStart(4, "0")}`;
}

function render({ model, el }) {
  const root = element("div", "whisper-lab-recorder");
  const button = element("button", "wlr-button", "● Record");
  button.type = "button";
  const meter = element("div", "wlr-meter");
  const level = element("div", "wlr-level");
  meter.append(level);
  meter.title = "input level (peak, dBFS)";
  const time = element("span", "wlr-time", clock(0));
  time.title = "elapsed time (minutes:seconds)";
  const rate = element("span", "wlr-rate", "sample rate: –");
  const status = element("div", "wlr-status", "Click Record and allow the microphone when the browser asks.");
  const row = element("div", "wlr-row");
  row.append(button, meter, time, rate);
  root.append(row, status);
  el.append(root);

  let take = null; // the recording in progress: audio graph, pending samples, counters

  function showStatus(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("wlr-error", isError);
  }

  function fail(text) {
    showStatus(text, true);
    model.set("error", text);
    model.save_changes();
  }

  function showLevel(samples) {
    let peak = 0;
    for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]));
    const db = peak > 0 ? 20 * Math.log10(peak) : METER_FLOOR_DB;
    const fraction = Math.min(1, Math.max(0, 1 - db / METER_FLOOR_DB));
    level.style.width = `${(100 * fraction).toFixed(1)}%`;
    level.classList.toggle("wlr-clip", db > -1);
  }

  function sendChunk(frames) {
    // Gather exactly `frames` pending samples (fewer at the end) into one chunk and send it.
    const chunk = new Float32Array(frames);
    let filled = 0;
    while (filled < frames) {
      const head = take.pending[0];
      const used = Math.min(head.length, frames - filled);
      chunk.set(head.subarray(0, used), filled);
      filled += used;
      if (used === head.length) take.pending.shift();
      else take.pending[0] = head.subarray(used);
    }
    take.pendingFrames -= frames;
    model.send({ type: "chunk", seq: take.seq, sample_rate: take.sampleRate }, undefined, [chunk.buffer]);
    take.seq += 1;
    if (!take.stopping) {
      showStatus(`Recording at ${take.sampleRate} Hz: ${take.seq} chunks sent to Python. Click Stop when you are done.`);
    }
  }

  function onSamples(samples) {
    take.pending.push(samples);
    take.pendingFrames += samples.length;
    take.frames += samples.length;
    while (take.pendingFrames >= take.chunkFrames) sendChunk(take.chunkFrames);
    showLevel(samples);
    const seconds = take.frames / take.sampleRate;
    time.textContent = clock(seconds);
    if (seconds >= model.get("max_seconds")) stop(`Stopped after the limit of ${model.get("max_seconds")} s.`);
  }

  async function start() {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      fail(MESSAGES.insecure);
      return;
    }
    if (typeof AudioWorkletNode === "undefined") {
      fail(MESSAGES.noWorklet);
      return;
    }
    button.disabled = true;
    showStatus("Waiting for the microphone…");
    let stream;
    try {
      // Echo cancellation, noise suppression and automatic gain would change the sound: turn them off.
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
        video: false,
      });
    } catch (error) {
      button.disabled = false;
      fail(MESSAGES[error.name] || `The microphone could not be opened (${error.name}: ${error.message}).`);
      return;
    }
    try {
      const context = new AudioContext(); // the browser's own rate: we resample in Python, not here
      const moduleUrl = URL.createObjectURL(new Blob([WORKLET], { type: "text/javascript" }));
      await context.audioWorklet.addModule(moduleUrl);
      URL.revokeObjectURL(moduleUrl);
      const source = context.createMediaStreamSource(stream);
      const tap = new AudioWorkletNode(context, "whisper-lab-pcm-tap", {
        processorOptions: { blockFrames: BLOCK_FRAMES },
      });
      const sampleRate = context.sampleRate;
      take = {
        stream, context, source, tap, sampleRate,
        chunkFrames: Math.max(BLOCK_FRAMES, Math.round(model.get("chunk_seconds") * sampleRate)),
        pending: [], pendingFrames: 0, frames: 0, seq: 0, stopping: false,
      };
      tap.port.onmessage = (event) => {
        if (event.data.samples && take) onSamples(event.data.samples);
      };
      model.set("error", "");
      model.save_changes();
      model.send({ type: "start", sample_rate: sampleRate });
      source.connect(tap);
      tap.connect(context.destination); // the tap outputs silence; being connected keeps it running
      await context.resume();
      rate.textContent = `sample rate: ${sampleRate} Hz`;
      button.textContent = "■ Stop";
      button.classList.add("wlr-recording");
      button.disabled = false;
      showStatus(`Recording at ${sampleRate} Hz… click Stop when you are done.`);
    } catch (error) {
      stream.getTracks().forEach((track) => track.stop());
      take = null;
      button.disabled = false;
      fail(`The audio could not be processed (${error.name}: ${error.message}).`);
    }
  }

  function stop(reason = "") {
    if (!take || take.stopping) return;
    const current = take;
    current.stopping = true;
    button.disabled = true;
    current.source.disconnect(); // no more input reaches the tap
    current.tap.port.onmessage = (event) => {
      if (event.data.samples) {
        onSamples(event.data.samples);
        return;
      }
      if (!event.data.flushed) return;
      if (current.pendingFrames > 0) sendChunk(current.pendingFrames);
      model.send({ type: "stop", chunks: current.seq });
      current.stream.getTracks().forEach((track) => track.stop());
      current.context.close();
      take = null;
      level.style.width = "0%";
      button.textContent = "● Record";
      button.classList.remove("wlr-recording");
      button.disabled = false;
      const seconds = (current.frames / current.sampleRate).toFixed(1);
      showStatus(`${reason} Recorded ${seconds} s in ${current.seq} chunks: use it in the next cell.`.trim());
    };
    current.tap.port.postMessage("flush");
  }

  button.addEventListener("click", () => (take ? stop() : start()));

  const onPythonMessage = (message) => {
    if (message && message.type === "stop") stop();
  };
  model.on("msg:custom", onPythonMessage);
  const onError = () => {
    const text = model.get("error");
    if (text) showStatus(text, true);
  };
  model.on("change:error", onError);

  if (!window.isSecureContext || !navigator.mediaDevices) {
    showStatus(MESSAGES.insecure, true);
  }

  return () => {
    // The cell was cleared or run again: let go of the microphone.
    model.off("msg:custom", onPythonMessage);
    model.off("change:error", onError);
    if (take) {
      model.send({ type: "stop", chunks: take.seq }); // the samples not yet sent are lost
      take.stream.getTracks().forEach((track) => track.stop());
      take.context.close();
      take = null;
    }
  };
}

export default { render };
