// Mermaid's own parser on the diagrams the suite sends: a JSON list of diagram texts on stdin,
// a JSON list of answers on stdout ({"ok": true, "type": "journey"} or {"ok": false, "error"}).
// Mermaid reads `window` and `document` as it loads (DOMPurify); jsdom stands in for them.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");

let input = "";
for await (const chunk of process.stdin) input += chunk;
const answers = [];
for (const text of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text);
    answers.push({ ok: true, type: parsed.diagramType });
  } catch (error) {
    answers.push({ ok: false, error: String(error.message || error) });
  }
}
process.stdout.write(JSON.stringify(answers));
