/** One request on the wire at a time: Modbus RTU allows nothing else, and it keeps a TCP slave's answers in order. */
export class RequestQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  /** Runs job after every job queued before it, whether those succeeded or failed. */
  run<T>(job: () => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(job, job);
    this.#tail = result.then(
      () => { this.#pending--; },
      () => { this.#pending--; },
    );
    return result;
  }

  /** Jobs queued or running. */
  get pending(): number {
    return this.#pending;
  }
}
