// The main-area views draw from their model's state, so however many changes (model signals, scroll
// events, resizes) come in between two frames, drawing once on the next frame shows them all.

/** Calls `render` on the next animation frame; the requests made before that frame share the call. */
export class RenderSchedule {
  private frame = 0;
  private disposed = false;

  constructor(private readonly render: () => void) {}

  /** Asks for a render. An arrow, so a signal or an event listener can take it as it is. */
  readonly request = (): void => {
    if (this.frame || this.disposed) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  };

  /** Cancels the render asked for, if any; requests made after this are ignored. */
  dispose(): void {
    this.disposed = true;
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
  }
}
