// What the debug views show, kept in plain TypeScript: reacts to `aria/runtimeChanged` by asking the adapter for the state and timeline.
import {
  RUNTIME_CHANGED_EVENT, RUNTIME_STATE_REQUEST, TIMELINE_REQUEST, type RuntimeChangedBody, type RuntimeStateBody, type TimelineBody,
} from '../../debug/protocol.js';

/** Sends a custom request to the debug session the state belongs to. */
export type Requester = (command: string, args?: unknown) => Promise<unknown>;

export interface ViewsSnapshot {
  readonly sessionId: string | undefined;
  readonly state: RuntimeStateBody | undefined;
  readonly timeline: TimelineBody | undefined;
  /** The session ended: the views keep showing its last state. */
  readonly ended: boolean;
  readonly error?: string;
}

/**
 * One instance per window. Each refresh gets a number; an answer that arrives after a newer refresh began is
 * dropped, so a slow reply never overwrites a newer stop. The timeline is only fetched while someone shows it.
 */
export class DebugViewsState {
  private current: ViewsSnapshot = { sessionId: undefined, state: undefined, timeline: undefined, ended: false };
  private generation = 0;
  private readonly listeners = new Set<(s: ViewsSnapshot) => void>();
  /** Whether the timeline panel is open (fetching it costs a round trip per stop). */
  timelineWanted = false;

  get snapshot(): ViewsSnapshot {
    return this.current;
  }

  onChange(listener: (s: ViewsSnapshot) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private set(next: ViewsSnapshot): void {
    this.current = next;
    for (const l of this.listeners) l(next);
  }

  /** A custom event of a debug session of type `aria`; resolves when the views have what they need. */
  async onCustomEvent(sessionId: string, event: string, body: unknown, request: Requester): Promise<void> {
    if (event !== RUNTIME_CHANGED_EVENT) return;
    const changed = body as RuntimeChangedBody;
    await this.refresh(sessionId, request, !changed.running);
  }

  /**
   * Fetches the state (and the timeline if wanted) from the session, both at once. A run that ended (`ended`, the
   * last `aria/runtimeChanged`) races the session's teardown: Shift+F5 sends that event and then `terminated`, so
   * VS Code may drop the session before it answers ("custom request failed"). Then the views keep the last state,
   * marked as ended, and show no error. The timeline is optional: a refused timeline never hides a good state.
   */
  async refresh(sessionId: string, request: Requester, ended = false): Promise<void> {
    const gen = ++this.generation;
    const [state, timeline] = await Promise.allSettled([
      request(RUNTIME_STATE_REQUEST) as Promise<RuntimeStateBody>,
      this.timelineWanted ? (request(TIMELINE_REQUEST) as Promise<TimelineBody>) : Promise.resolve(undefined),
    ]);
    if (gen !== this.generation) return;
    const sameSession = this.current.sessionId === sessionId;
    if (state.status === 'rejected') {
      if (ended) {
        this.set(sameSession ? { ...withoutError(this.current), ended: true } : { sessionId, state: undefined, timeline: undefined, ended: true });
      } else {
        this.set({ ...this.current, sessionId, error: (state.reason as Error)?.message ?? String(state.reason) });
      }
      return;
    }
    const kept = sameSession ? this.current.timeline : undefined;
    this.set({ sessionId, state: state.value, timeline: timeline.status === 'fulfilled' ? timeline.value ?? kept : kept, ended });
  }

  /** The timeline panel opened: fetch the timeline for the state shown now. */
  async fetchTimeline(request: Requester): Promise<void> {
    const sessionId = this.current.sessionId;
    if (!sessionId) return;
    const gen = this.generation;
    try {
      const timeline = (await request(TIMELINE_REQUEST)) as TimelineBody;
      if (gen !== this.generation || this.current.sessionId !== sessionId) return;
      this.set({ ...this.current, timeline });
    } catch {
      // the session is gone or running: the next stop brings a fresh timeline
    }
  }

  /** Something the views show besides the state changed (a sort, a filter): tell the listeners again. */
  touch(): void {
    this.set(this.current);
  }

  /** The session ended: keep its last picture, marked as ended. */
  sessionEnded(sessionId: string): void {
    if (this.current.sessionId !== sessionId) return;
    this.generation++;
    // an error from a request the teardown cut short says nothing about the run
    this.set({ ...withoutError(this.current), ended: true });
  }

  clear(): void {
    this.generation++;
    this.set({ sessionId: undefined, state: undefined, timeline: undefined, ended: false });
  }
}

function withoutError(s: ViewsSnapshot): ViewsSnapshot {
  const { error: _error, ...rest } = s;
  return rest;
}
