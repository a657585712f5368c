// The workshop's shared countdown, in server time: every page that shows it (the workshop
// page, the workshop bar in the blueprint editor) counts down from the same end time.

const format = (seconds) => {
  const s = Math.max(0, Math.ceil(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
};

/** Show `state.timer` in `element` and keep it ticking; `apply(state)` takes a new state. */
export function createTimer(element, state) {
  let timer = state.timer;
  let offset = 0; // server clock minus this browser's clock, in ms
  const tick = () => {
    let left = null;
    if (timer.running) left = (Date.parse(timer.ends_at) - (Date.now() + offset)) / 1000;
    else if (timer.remaining !== null && timer.remaining !== undefined) left = timer.remaining;
    element.textContent = left === null ? "--:--" : format(left);
    element.classList.toggle("running", Boolean(timer.running) && left > 0);
    element.classList.toggle("over", left !== null && left <= 0);
    element.dataset.seconds = left === null ? "" : String(Math.max(0, Math.ceil(left)));
  };
  const apply = (next) => {
    timer = next.timer;
    offset = Date.parse(next.timer.server_now) - Date.now();
    tick();
  };
  apply(state);
  setInterval(tick, 250);
  return { apply };
}
