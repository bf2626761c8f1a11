/** One server-sent event, reassembled across chunk boundaries. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/**
 * Splits text into lines (`\n`, `\r\n` or `\r`) across pushes. A line longer
 * than `maxLine` is dropped whole (counted in `overlong`); what is held never
 * exceeds `maxLine`.
 */
export class LineSplitter {
  #buf = '';
  #skipping = false;
  #lastCr = false;
  overlong = 0;
  readonly #maxLine: number;
  readonly #onLine: (line: string) => void;

  constructor(maxLine: number, onLine: (line: string) => void) {
    this.#maxLine = maxLine;
    this.#onLine = onLine;
  }

  get buffered(): number {
    return this.#buf.length;
  }

  push(text: string): void {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      if (c === 10 && this.#lastCr && i === start) {
        // The LF of a CRLF split across pushes.
        this.#lastCr = false;
        start = i + 1;
        continue;
      }
      this.#emit(text.slice(start, i));
      this.#lastCr = c === 13;
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    if (start < text.length) {
      this.#lastCr = false;
      this.#append(text.slice(start));
    }
  }

  /** Ends the current line without a terminator (the stream ended or was cut). */
  flush(): void {
    if (this.#buf.length > 0 || this.#skipping) this.#emit('');
    this.#lastCr = false;
  }

  /** Drops the partial line held. */
  reset(): void {
    this.#buf = '';
    this.#skipping = false;
    this.#lastCr = false;
  }

  #append(part: string): void {
    if (this.#skipping) return;
    if (this.#buf.length + part.length > this.#maxLine) {
      this.#buf = '';
      this.#skipping = true;
      this.overlong++;
      return;
    }
    this.#buf += part;
  }

  #emit(tail: string): void {
    this.#append(tail);
    if (this.#skipping) {
      this.#skipping = false;
      this.#buf = '';
      return;
    }
    const line = this.#buf;
    this.#buf = '';
    this.#onLine(line);
  }
}

/**
 * Reassembles `text/event-stream` events (the WHATWG rules: `data` lines
 * joined with `\n`, `event` names, comments ignored, dispatch on a blank
 * line) from text pushed in arbitrary pieces. Bounded by `maxEvent`.
 */
export class SseParser {
  readonly #lines: LineSplitter;
  #event = '';
  #data: string[] = [];
  #dataLen = 0;
  #hasData = false;
  overlong = 0;

  constructor(maxEvent: number, onEvent: (e: SseEvent) => void) {
    this.#lines = new LineSplitter(maxEvent, (line) => {
      if (line === '') {
        if (this.#hasData) onEvent({ event: this.#event || 'message', data: this.#data.join('\n') });
        this.#clear();
        return;
      }
      if (line.startsWith(':')) return;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') {
        this.#dataLen += value.length;
        if (this.#dataLen > maxEvent) {
          this.overlong++;
          this.#clear();
          return;
        }
        this.#data.push(value);
        this.#hasData = true;
      } else if (field === 'event') this.#event = value;
    });
  }

  get buffered(): number {
    return this.#lines.buffered + this.#dataLen;
  }

  get overlongLines(): number {
    return this.#lines.overlong + this.overlong;
  }

  push(text: string): void {
    this.#lines.push(text);
  }

  /** Drops a half-received event (its bytes were cut at the capture's cap). */
  cut(): void {
    this.#lines.reset();
    this.#clear();
  }

  #clear(): void {
    this.#event = '';
    this.#data = [];
    this.#dataLen = 0;
    this.#hasData = false;
  }
}
