/**
 * Plays speech chunks as they arrive: each base64 PCM16 chunk becomes an AudioBuffer queued
 * right after the one before, so sentences play back to back while later ones are still made.
 */
export class PcmPlayer {
  private context: AudioContext | null = null;
  private nextStart = 0;

  /** Call from a click: browsers start audio only after a user gesture. */
  open(): void {
    this.context ??= new AudioContext();
    void this.context.resume();
    this.nextStart = 0;
  }

  play(base64: string, sampleRate: number): void {
    const context = this.context;
    if (!context) return;
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const pcm = new Int16Array(bytes.buffer, 0, bytes.length >> 1);
    const buffer = context.createBuffer(1, Math.max(1, pcm.length), sampleRate);
    const channel = buffer.getChannelData(0);
    for (let i = 0; i < pcm.length; i += 1) channel[i] = pcm[i] / 0x8000;
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    this.nextStart = Math.max(this.nextStart, context.currentTime);
    source.start(this.nextStart);
    this.nextStart += buffer.duration;
  }

  /** Stops whatever is queued. */
  close(): void {
    void this.context?.close();
    this.context = null;
  }
}
