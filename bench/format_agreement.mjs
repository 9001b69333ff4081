// Render CSL-JSON items' bibliographies with citeproc-js, the reference CSL processor, as plain text.
//
//     node bench/format_agreement.mjs < request.json > response.json
//
// Request:  {"locales": "<folder of locales-xx-XX.xml>", "lang": "en-US", "styles": {"<id>": "<path to .csl>"},
//            "items": [CSL-JSON…]}
// Response: {"startup_ms": …, "styles": {"<id>": {"ms": …, "entries": [["<item id>", "<text>"], …],
//                                                  "empty": ["<id of an item that renders as nothing>", …]}}}
//
// Used by bench/format_agreement.py only; refcheck never runs it.  startup_ms is the time from the
// process's start until citeproc-js is loaded and the request read; each style's ms covers building
// the engine, registering every item and making the bibliography.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const require = createRequire(import.meta.url);
const CSL = require("citeproc");

const request = JSON.parse(readFileSync(0, "utf8"));
const locales = new Map();
const byId = new Map(request.items.map((item) => [String(item.id), item]));
const ids = [...byId.keys()];
const startupMs = performance.now();

const sys = {
  // The locale files come from the folder given (citeproc-py's), so both processors read the same terms.
  retrieveLocale: (lang) => {
    if (!locales.has(lang)) {
      try {
        locales.set(lang, readFileSync(join(request.locales, `locales-${lang}.xml`), "utf8"));
      } catch {
        locales.set(lang, false);
      }
    }
    return locales.get(lang);
  },
  retrieveItem: (id) => byId.get(String(id)),
};

const styles = {};
for (const [styleId, path] of Object.entries(request.styles)) {
  const styleXml = readFileSync(path, "utf8");
  const start = performance.now();
  const engine = new CSL.Engine(sys, styleXml, request.lang, true);
  engine.setOutputFormat("text");
  engine.updateItems(ids);
  const [meta, texts] = engine.makeBibliography();
  const ms = performance.now() - start;
  // Items that render as nothing are in entry_ids and bibliography_errors but have no text.
  const failed = new Set((meta.bibliography_errors || []).map((error) => String(error.itemID)));
  const kept = meta.entry_ids.map((entryIds) => String(entryIds[0])).filter((id) => !failed.has(id));
  const entries = kept.map((id, k) => [id, texts[k]]);
  styles[styleId] = { ms, entries, empty: [...failed] };
}
process.stdout.write(JSON.stringify({ startup_ms: startupMs, styles }));
