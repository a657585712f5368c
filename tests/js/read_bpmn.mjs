// bpmn.io's own reader (bpmn-moddle, what bpmn-js imports with) on the BPMN files the suite
// sends: a JSON list of XML texts on stdin, a JSON list of answers on stdout, each with the
// reader's warnings (unknown elements, unresolved references) and what it found.
import { BpmnModdle } from "bpmn-moddle";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const answers = [];
for (const xml of JSON.parse(input)) {
  try {
    const { rootElement, warnings } = await new BpmnModdle().fromXML(xml);
    const plane = rootElement.diagrams?.[0]?.plane;
    answers.push({
      ok: true,
      warnings: warnings.map((warning) => String(warning.message)),
      participants: (rootElement.rootElements.find((e) => e.$type === "bpmn:Collaboration")?.participants ?? []).map((p) => p.name),
      shapes: (plane?.planeElement ?? []).map((e) => [e.$type, e.bpmnElement?.id ?? null]),
    });
  } catch (error) {
    answers.push({ ok: false, error: String(error.message || error) });
  }
}
process.stdout.write(JSON.stringify(answers));
