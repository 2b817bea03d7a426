/**
 * This browser's camera and microphone in a call: the devices to pick from, the chosen ones, their tracks
 * and the preview. What is sent changes through the publisher's senders the session passes in
 * (`replaceTrack`: no renegotiation for a mute, a device change or the camera going off and on).
 */

export interface DeviceLists {
  audioinput: MediaDeviceInfo[];
  videoinput: MediaDeviceInfo[];
  audiooutput: MediaDeviceInfo[];
}

/** A getUserMedia/getDisplayMedia failure as a short code the page translates. */
export function mediaErrorName(e: unknown): string {
  const name = (e as { name?: string } | null)?.name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'missing';
  if (name === 'NotReadableError' || name === 'AbortError') return 'busy';
  return 'failed';
}

export class LocalMedia {
  micOn = $state(true);
  camOn = $state(true);
  /** The camera preview (video only, so the page never plays its own microphone). */
  preview = $state.raw<MediaStream | null>(null);
  devices = $state.raw<DeviceLists>({ audioinput: [], videoinput: [], audiooutput: [] });
  micId = $state<string>('');
  camId = $state<string>('');
  /** The output device for received audio (the page's audio elements follow it). */
  speakerId = $state<string>('');
  /** What the browser refused (no camera, permission denied…), shown next to the controls. */
  deviceProblem = $state('');

  micTrack: MediaStreamTrack | null = null;
  camTrack: MediaStreamTrack | null = null;

  /** The devices being opened: joining waits for them (a quick click must not publish without a camera). */
  private preparing: Promise<void> | null = null;
  private onDeviceChange = () => void this.refreshDevices();

  constructor(private readonly log: (message: string, detail?: unknown) => void) {}

  /** Ask for the camera and microphone (for the preview before joining) and list the devices. */
  prepare(): Promise<void> {
    this.preparing ??= (async () => {
      await this.open();
      await this.refreshDevices();
      navigator.mediaDevices?.addEventListener?.('devicechange', this.onDeviceChange);
    })();
    return this.preparing;
  }

  /** Whatever opening is under way has finished (well or not). */
  async ready(): Promise<void> {
    await this.preparing?.catch(() => {});
  }

  /** Open the devices again (after leaving, to join again). */
  reopen(): Promise<void> {
    this.preparing = this.open();
    return this.preparing;
  }

  private async open(): Promise<void> {
    if (!navigator.mediaDevices?.getUserMedia) {
      this.deviceProblem = 'no-media';
      this.micOn = this.camOn = false;
      return;
    }
    const problems: string[] = [];
    if (this.micOn && !this.micTrack) {
      try {
        this.micTrack = await this.getTrack('audio', this.micId);
      } catch (e) {
        problems.push(mediaErrorName(e));
        this.micOn = false;
      }
    }
    if (this.camOn && !this.camTrack) {
      try {
        this.camTrack = await this.getTrack('video', this.camId);
      } catch (e) {
        problems.push(mediaErrorName(e));
        this.camOn = false;
      }
    }
    this.deviceProblem = problems[0] ?? '';
    this.updatePreview();
  }

  private async getTrack(kind: 'audio' | 'video', deviceId: string): Promise<MediaStreamTrack> {
    const constraints: MediaStreamConstraints =
      kind === 'audio'
        ? { audio: deviceId ? { deviceId: { exact: deviceId } } : true }
        : // 360p (sent with a 180p layer too): the media server forwards every camera to everyone
          // (N×(N−1) streams), so a modest camera keeps a 10-person grid within an ordinary uplink and CPU.
          { video: { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } } };
    const stream = await navigator.mediaDevices.getUserMedia(constraints);
    const track = kind === 'audio' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
    if (!track) throw new Error('no track');
    const id = track.getSettings().deviceId;
    if (id) {
      if (kind === 'audio') this.micId = id;
      else this.camId = id;
    }
    return track;
  }

  async refreshDevices(): Promise<void> {
    try {
      const all = await navigator.mediaDevices.enumerateDevices();
      this.devices = {
        audioinput: all.filter((d) => d.kind === 'audioinput'),
        videoinput: all.filter((d) => d.kind === 'videoinput'),
        audiooutput: all.filter((d) => d.kind === 'audiooutput'),
      };
    } catch (e) {
      this.log('calls: cannot list devices', e);
    }
  }

  private updatePreview(): void {
    this.preview = this.camTrack ? new MediaStream([this.camTrack]) : null;
  }

  /** Microphone on or off (muting keeps the track, so unmuting is instant); false when the device failed. */
  async setMic(on: boolean, sender: RTCRtpSender | undefined): Promise<boolean> {
    if (on && !this.micTrack) {
      try {
        this.micTrack = await this.getTrack('audio', this.micId);
        await sender?.replaceTrack(this.micTrack);
        this.deviceProblem = '';
      } catch (e) {
        this.deviceProblem = mediaErrorName(e);
        return false;
      }
    }
    if (this.micTrack) this.micTrack.enabled = on;
    this.micOn = on;
    return true;
  }

  /** Camera on or off (off releases the camera, so its light goes out); false when the device failed. */
  async setCamera(on: boolean, sender: RTCRtpSender | undefined): Promise<boolean> {
    if (on) {
      if (!this.camTrack) {
        try {
          this.camTrack = await this.getTrack('video', this.camId);
          this.deviceProblem = '';
        } catch (e) {
          this.deviceProblem = mediaErrorName(e);
          return false;
        }
      }
      await sender?.replaceTrack(this.camTrack);
    } else {
      await sender?.replaceTrack(null);
      this.camTrack?.stop();
      this.camTrack = null;
    }
    this.camOn = on;
    this.updatePreview();
    return true;
  }

  async chooseMic(deviceId: string, sender: RTCRtpSender | undefined): Promise<void> {
    this.micId = deviceId;
    if (!this.micTrack) return;
    try {
      const track = await this.getTrack('audio', deviceId);
      track.enabled = this.micOn;
      await sender?.replaceTrack(track);
      this.micTrack.stop();
      this.micTrack = track;
      this.deviceProblem = '';
    } catch (e) {
      this.deviceProblem = mediaErrorName(e);
    }
  }

  async chooseCamera(deviceId: string, sender: RTCRtpSender | undefined): Promise<void> {
    this.camId = deviceId;
    if (!this.camTrack) return;
    try {
      // The old camera goes first: some cameras cannot be opened twice.
      this.camTrack.stop();
      const track = await this.getTrack('video', deviceId);
      await sender?.replaceTrack(track);
      this.camTrack = track;
      this.updatePreview();
      this.deviceProblem = '';
    } catch (e) {
      this.deviceProblem = mediaErrorName(e);
    }
  }

  /** Let the camera and microphone go (their lights go out). */
  release(): void {
    for (const t of [this.micTrack, this.camTrack]) t?.stop();
    this.micTrack = this.camTrack = null;
    this.preview = null;
  }

  destroy(): void {
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.onDeviceChange);
  }
}
