// Zoom the blueprint board (buttons, Ctrl + wheel, keyboard "+", "-", "0"); pan by dragging
// the background or with the scroll bars. The zoom is remembered per blueprint in this browser.
const board = document.querySelector("[data-board]");
if (board) {
  const scroller = board.closest(".board-scroll");
  const key = `frontstage:zoom:${board.dataset.board}`;
  const output = document.querySelector("[data-zoom-level]");
  let zoom = Number(localStorage.getItem(key)) || 1;

  const apply = () => {
    zoom = Math.min(2, Math.max(0.3, Math.round(zoom * 100) / 100));
    board.style.zoom = zoom;
    if (output) output.textContent = `${Math.round(zoom * 100)} %`;
    localStorage.setItem(key, String(zoom));
  };
  const actions = { in: () => (zoom *= 1.2), out: () => (zoom /= 1.2), reset: () => (zoom = 1) };

  for (const button of document.querySelectorAll("[data-zoom]")) {
    button.addEventListener("click", () => {
      actions[button.dataset.zoom]();
      apply();
    });
  }
  scroller.addEventListener(
    "wheel",
    (event) => {
      if (!event.ctrlKey) return;
      event.preventDefault();
      zoom *= event.deltaY < 0 ? 1.1 : 1 / 1.1;
      apply();
    },
    { passive: false },
  );
  scroller.addEventListener("keydown", (event) => {
    const action = { "+": "in", "=": "in", "-": "out", 0: "reset" }[event.key];
    if (!action) return;
    event.preventDefault();
    actions[action]();
    apply();
  });

  let drag = null;
  scroller.addEventListener("pointerdown", (event) => {
    if (event.target.closest("a, button, .step")) return;
    drag = { x: event.clientX, y: event.clientY, left: scroller.scrollLeft, top: scroller.scrollTop };
    scroller.classList.add("panning");
  });
  window.addEventListener("pointermove", (event) => {
    if (!drag) return;
    scroller.scrollLeft = drag.left - (event.clientX - drag.x);
    scroller.scrollTop = drag.top - (event.clientY - drag.y);
  });
  window.addEventListener("pointerup", () => {
    drag = null;
    scroller.classList.remove("panning");
  });
  apply();
}
