// Small helpers every part of the editor uses.

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];
export const format = (template, values) =>
  template.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
export const canvas = () => $("[data-canvas]");

// A workshop guest has no account: `id` is null and `guest` names their participant row.
export function samePerson(a, b) {
  return Boolean(a && b) && a.id === b.id && (a.guest ?? null) === (b.guest ?? null);
}
