// nerlight renderer: puts a text and its entities into a container as text nodes and <mark>s,
// a few milliseconds at a time, so that even a 1 MB text with tens of thousands of marks never
// holds the main thread for long. Used by the page and by the widget's custom element.
//
// The text is cut into blocks (one <div> per paragraph or so, never inside an entity), so the
// browser lays out and styles each block on its own; with `content-visibility: auto` on the
// blocks (see style.css) blocks off screen are not laid out at all. The container's textContent
// is always exactly the text rendered so far: nothing is added between blocks.
//
// Safety: text goes in only as text nodes (Node.append with strings, textContent). Never HTML.

/** A block ends at the first paragraph break after this many UTF-16 units... */
const MIN_BLOCK = 2000;
/** ...or, without one, near this many (at a line break or a space). */
const MAX_BLOCK = 6000;

/** A text longer than this is drawn a block at a time from its very first slice. */
const LONG_TEXT = 50_000;

const PARAGRAPH_BREAK = /\n[ \t\r]*\n[ \t\r\n]*/g;

/**
 * Waits for the next frame, and resumes right after it: each slice of work then gets a frame of
 * its own, so the browser lays out and paints one slice's blocks at a time (a few milliseconds)
 * instead of many at once. A hidden page gets no frames: it resumes on a timer instead.
 */
function nextFrame() {
  return new Promise((resolve) => {
    if (document.hidden) setTimeout(resolve, 0);
    else requestAnimationFrame(() => setTimeout(resolve, 0));
  });
}

export class Renderer {
  /**
   * container: the element to fill. options:
   * - `mark(entity, index)`: returns the element for an entity (its text is filled in here);
   * - `blockClass`: the class of the block <div>s (default 'blk');
   * - `budgetMs`: main-thread time per slice (default 8);
   * - `empty()`: returns the node shown for an empty text (optional).
   */
  constructor(container, options = {}) {
    this.container = container;
    this.makeMark = options.mark || ((e) => {
      const m = document.createElement('mark');
      m.dataset.label = e.label;
      return m;
    });
    this.blockClass = options.blockClass || 'blk';
    this.budgetMs = options.budgetMs || 6;
    this.empty = options.empty || null;
    this.generation = 0;
    this.reset('', () => true);
  }

  /**
   * Starts rendering `text` anew. What is on screen stays until new blocks replace it, one at a
   * time (so that neither building nor removing a large result ever happens in one go).
   * `filter(entity)` says which entities get a mark. Entities come through `add()`; the text is
   * rendered only up to `final()`'s position (the end of the last finished chunk).
   */
  reset(text, filter) {
    this.generation++;
    this.resolveDone?.(null); // whoever waited for the previous rendering
    // Blocks of a different text are stale: once new ones show, they go as fast as they can.
    // Blocks of the same text (a new filter) are simply replaced in place.
    this.sameText = text === this.text;
    this.text = text;
    this.filter = filter || (() => true);
    this.entities = [];
    this.marks = []; // entity index -> its <mark>, once rendered
    this.limit = 0;
    this.cursor = 0;
    this.next = 0; // the next entity to place
    this.slot = 0; // the container child the next block replaces
    this.running = false;
    this.complete = false;
    this.donePromise = new Promise((resolve) => (this.resolveDone = resolve));
    return this;
  }

  /** Adds entities (whole-text offsets, in text order, after those added before). */
  add(entities) {
    for (const e of entities) this.entities.push(e);
  }

  /** The text is final up to `position` (its entities have all been added): render up to it. */
  final(position) {
    this.limit = Math.max(this.limit, Math.min(position, this.text.length));
    if (this.limit === this.text.length) this.complete = true;
    this.pump();
  }

  /** Resolves to the marks when everything is rendered, or to null if reset first. */
  get done() {
    return this.donePromise;
  }

  /** Stops rendering (what is rendered stays); `done` resolves to null. */
  cancel() {
    this.generation++;
    this.running = false;
    this.resolveDone?.(null);
  }

  async pump() {
    if (this.running) return;
    this.running = true;
    const generation = this.generation;
    const kids = this.container.children;
    try {
      for (;;) {
        // The first slice of a long result is one block: the browser's first layout of a result
        // (the page grows, the output is laid out anew) is its most expensive frame. A short
        // result is drawn whole at once, without flicker as the user types.
        const first = this.slot === 0 && this.text.length > LONG_TEXT;
        const deadline = first ? 0 : performance.now() + this.budgetMs;
        if (this.cursor < this.limit) this.renderBlock();
        while (this.cursor < this.limit && performance.now() < deadline) this.renderBlock();
        if (this.complete && this.cursor >= this.limit) {
          if (this.text.length === 0 && this.slot === 0 && this.empty) this.place(this.empty());
          // What is left of the previous rendering.
          while (kids.length > this.slot && performance.now() < deadline) this.container.lastElementChild.remove();
          if (kids.length <= this.slot) break;
        } else if (!this.sameText && this.slot > 0) {
          while (kids.length > this.slot && performance.now() < deadline) this.container.lastElementChild.remove();
        }
        if (this.cursor >= this.limit && !this.complete) break; // waiting for the next chunk
        await nextFrame();
        if (generation !== this.generation) return;
      }
      this.resolveDone(this.marks);
    } finally {
      if (generation === this.generation) this.running = false;
    }
  }

  /** Puts `node` in the next slot: in place of what was there, or at the end. */
  place(node) {
    const old = this.container.children[this.slot];
    if (old) old.replaceWith(node);
    else this.container.append(node);
    this.slot++;
  }

  /** Renders the block starting at the cursor. */
  renderBlock() {
    const { text, entities } = this;
    const start = this.cursor;
    const end = this.cut(start);
    const block = document.createElement('div');
    block.className = this.blockClass;
    let pos = start;
    while (this.next < entities.length && entities[this.next].start < end) {
      const i = this.next++;
      const e = entities[i];
      if (e.start < pos || e.end > end || e.end <= e.start) continue; // overlapping or out of range
      if (!this.filter(e)) continue;
      if (e.start > pos) block.append(text.slice(pos, e.start));
      const mark = this.makeMark(e, i);
      mark.textContent = text.slice(e.start, e.end);
      block.append(mark);
      this.marks[i] = mark;
      pos = e.end;
    }
    if (pos < end) block.append(text.slice(pos, end));
    this.place(block);
    this.cursor = end;
  }

  /** Where the block starting at `start` ends: never inside an entity, never past the limit. */
  cut(start) {
    const { text, limit } = this;
    let end;
    PARAGRAPH_BREAK.lastIndex = Math.min(start + MIN_BLOCK, limit);
    const m = PARAGRAPH_BREAK.exec(text);
    if (m && m.index + m[0].length - start <= MAX_BLOCK) {
      end = m.index + m[0].length;
    } else if (limit - start <= MAX_BLOCK) {
      end = limit;
    } else {
      const want = start + MAX_BLOCK;
      const nl = text.lastIndexOf('\n', want);
      const sp = text.lastIndexOf(' ', want);
      end = nl > start + MIN_BLOCK ? nl + 1 : sp > start ? sp + 1 : want;
      const c = text.charCodeAt(end - 1);
      if (c >= 0xd800 && c <= 0xdbff) end++; // never split a surrogate pair
    }
    end = Math.min(end, limit);
    // Move the cut past any entity it would split.
    for (let i = this.next; i < this.entities.length && this.entities[i].start < end; i++) {
      const e = this.entities[i];
      if (e.end > end && e.start >= start) end = Math.min(e.end, limit);
    }
    return Math.max(end, Math.min(start + 1, limit));
  }
}
