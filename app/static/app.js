/* promptgen playground: plain browser JavaScript, no build step, no dependencies.
 *
 * Talks to the service's own API (relative URLs, so a path prefix behind a proxy works):
 *   GET  playground/config      what this server offers (its modes, image backend, API key, model)
 *   POST v1/assets              a dropped image, uploaded as an asset (multipart)
 *   POST v1/generate/caption    what the service sees in it
 *   POST v1/generate/prompt     prompts
 *   POST v1/generate/image      prompts -> images, as an async job polled at v1/jobs/{jobId}
 *   POST v1/ip/check            protected IP in results when clearing was not asked for
 * Every error is an RFC 9457 problem detail; it is shown as the service words it, and its
 * `field` marks the control it is about.
 */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 300;
  const KEY_STORE = "promptgen.apiKey";

  // API field name -> control id (for inline errors and focus)
  const FIELD_CONTROLS = {
    prompt: "spark",
    mode: "mode",
    numResults: "num-results",
    n: "num-results",
    num_outputs: "num-results",
    temperature: "temperature",
    topP: "top-p",
    seed: "seed",
    ensureIPCleared: "ip",
    images: "image-file",
    image: "image-file",
    assetIds: "image-file",
    file: "image-file",
    modelId: "editor",
  };
  const ERROR_SLOTS = {
    spark: "spark-error",
    "num-results": "num-results-error",
    temperature: "temperature-error",
    "top-p": "top-p-error",
    seed: "seed-error",
    "image-file": "image-error",
    editor: "editor-error",
  };

  const state = {
    config: null,
    asset: null, // {assetId, name, objectUrl}
    uploading: null, // Promise while an upload runs
    uploadSerial: 0,
    lastKind: "prompt",
    controller: null,
    jobId: null,
    timer: null,
    started: 0,
    blobUrls: [],
    renderSerial: 0, // bumped per result set: late IP checks must not mark newer results
  };

  // ------------------------------------------------------------------ small helpers

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child);
    }
    return node;
  }

  /** `node` filled with `text`, each `backticked` part as <code> (the backticks themselves not shown). */
  function setRichText(node, text) {
    const parts = String(text || "").split(/`([^`]+)`/);
    node.replaceChildren(...parts.map((part, i) => (i % 2 ? el("code", { text: part }) : part)));
    return node;
  }

  /** An id (asset_…, job_…) that never breaks mid-string: cut with an ellipsis when too long. */
  function idSpan(id) {
    return el("span", { class: "id", title: id, text: id });
  }

  function announce(message) {
    const live = $("announce");
    live.textContent = "";
    window.setTimeout(() => { live.textContent = message; }, 30);
  }

  function apiKey() {
    return $("api-key").value.trim();
  }

  function mode() {
    const checked = document.querySelector('input[name="mode"]:checked');
    return checked ? checked.value : "structured";
  }

  /** What the server says a mode is (playground/config's modeDetails): its label, whether it
   * needs a spark, what it does with images ("context": the photo is the subject; "edit": the
   * photo is edited for one of its editors). */
  function modeInfo(name) {
    const details = (state.config && state.config.modeDetails) || [];
    const info = details.find((m) => m.name === name);
    return info || { name, needsSpark: true, images: "unused", editors: [], sparkHint: "", sparkExample: "" };
  }

  function takesPhoto(name) {
    const images = modeInfo(name).images;
    return images === "context" || images === "edit";
  }

  function plural(n, word) {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
  }

  class Problem extends Error {
    constructor(problem) {
      super(problem.detail || problem.title || "request failed");
      this.problem = problem;
    }
  }

  class Aborted extends Error {}

  async function api(method, path, body, options) {
    const opts = options || {};
    const headers = { accept: "application/json, application/problem+json" };
    const key = apiKey();
    if (key) headers.authorization = `Bearer ${key}`;
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body: payload, signal: opts.signal });
    } catch (err) {
      if (err && err.name === "AbortError") throw new Aborted("canceled");
      throw new Problem({
        title: "The service did not answer",
        detail: `${method} ${path} failed before any response: ${err && err.message ? err.message : err}. Is the service running?`,
      });
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!response.ok) {
      if (data && typeof data === "object" && (data.detail || data.title)) throw new Problem(data);
      throw new Problem({
        title: response.statusText || "Request failed",
        status: response.status,
        detail: text ? text.slice(0, 400) : `HTTP ${response.status} from ${path}`,
      });
    }
    return data;
  }

  async function fetchBlobUrl(url) {
    const headers = {};
    const key = apiKey();
    if (key) headers.authorization = `Bearer ${key}`;
    const response = await fetch(url, { headers });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const blobUrl = URL.createObjectURL(await response.blob());
    state.blobUrls.push(blobUrl);
    return blobUrl;
  }

  // ------------------------------------------------------------------ server status

  async function loadConfig() {
    const badge = $("server-status");
    try {
      const config = await api("GET", "playground/config");
      state.config = config;
      applyConfig(config);
      if (config.ready) {
        badge.textContent = `Model ready: ${config.lmModel}`;
        badge.className = "badge ok";
      } else {
        badge.textContent = `Loading ${config.lmModel}… (requests wait for it)`;
        badge.className = "badge";
        window.setTimeout(loadConfig, 2000);
      }
    } catch (err) {
      badge.textContent = "Service unreachable";
      badge.className = "badge bad";
      window.setTimeout(loadConfig, 5000);
    }
  }

  /** The mode radios, built once from the modes the server registered. */
  function buildModes(details) {
    const list = $("mode-list");
    if (list.children.length || !details.length) return;
    details.forEach((info, index) => {
      const radio = el("input", { type: "radio", name: "mode", value: info.name, checked: index === 0 });
      radio.addEventListener("change", applyMode);
      const text = el("span", {}, el("strong", { text: info.title }), " ", el("span", { class: "hint", text: info.summary }));
      list.append(el("label", { class: "mode" }, radio, text));
    });
    applyMode();
  }

  function applyConfig(config) {
    buildModes(config.modeDetails || []);
    const editor = $("editor");
    if (editor.options.length === 1) {
      for (const name of config.editors || []) editor.append(el("option", { value: name, text: name }));
    }
    const imagesButton = $("generate-images");
    const note = $("images-note");
    if (config.imageGeneration && config.imagePreview) {
      imagesButton.hidden = false;
      note.replaceChildren(
        el("strong", { text: "Images are previews" }),
        ": labelled mood-board cards of each prompt's palette, composition and lighting, drawn here with no image model. ",
        "For real pictures set ",
        el("code", { text: "PROMPTGEN_IMAGE_BACKEND" }),
        " to a provider (",
        el("code", { text: "openai:gpt-image-1" }),
        ", ",
        el("code", { text: "replicate:flux-schnell" }),
        ", …) and its key.",
      );
    } else if (config.imageGeneration) {
      imagesButton.hidden = false;
      note.textContent = `Images are made by ${config.imageBackend}.`;
    } else {
      imagesButton.hidden = true;
      note.textContent = "Image generation is not configured on this server (PROMPTGEN_IMAGE_BACKEND).";
    }
    if (config.authRequired) {
      $("auth").open = $("auth").open || !apiKey();
      $("api-key-hint").textContent = "This server needs an API key; it is sent as Authorization: Bearer and kept in this tab only.";
    }
  }

  // ------------------------------------------------------------------ the request from the form

  function numberField(id, label, errors) {
    const input = $(id);
    if (input.validity.badInput) {
      errors.push([id, `${label} must be a number`]);
      return undefined;
    }
    const raw = input.value.trim();
    if (raw === "") return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) {
      errors.push([id, `${label} must be a number`]);
      return undefined;
    }
    return value;
  }

  /** The prompt API's fields as the form holds them, and what could not be read ([controlId, message]). */
  function readFields() {
    const errors = [];
    const fields = { mode: mode() };
    const spark = $("spark").value.trim();
    if (spark) fields.prompt = spark;
    const numbers = [
      ["num-results", "numResults", "Prompts"],
      ["temperature", "temperature", "Temperature"],
      ["top-p", "topP", "Top-p"],
      ["seed", "seed", "Seed"],
    ];
    for (const [id, name, label] of numbers) {
      const value = numberField(id, label, errors);
      if (value !== undefined) fields[name] = value;
    }
    if ($("ip").checked) fields.ensureIPCleared = true;
    const images = modeInfo(fields.mode).images;
    if (images === "context" && state.asset) fields.images = [state.asset.assetId];
    if (images === "edit") {
      if (state.asset) fields.image = state.asset.assetId;
      if ($("editor").value) fields.modelId = $("editor").value;
    }
    return { fields, errors };
  }

  /** The fields, or null after marking the controls that cannot be read. */
  function promptFields() {
    const { fields, errors } = readFields();
    if (errors.length) {
      for (const [id, message] of errors) markField(id, message);
      showProblem({ title: "Check the form", detail: errors.map((e) => e[1]).join("; ") }, errors[0][0]);
      return null;
    }
    return fields;
  }

  function promptBody(fields) {
    return fields;
  }

  function imageBody(fields) {
    const { prompt, ...generation } = fields;
    const body = {};
    if (prompt !== undefined) body.prompt = prompt;
    body.promptGeneration = generation;
    // the seed entered seeds the images too (image i: seed + i, where the backend takes seeds)
    if (generation.seed !== undefined) body.seed = generation.seed;
    // editing: the instruction goes to the image backend together with the photo it edits
    if (modeInfo(generation.mode).images === "edit" && generation.image) body.image = generation.image;
    return body;
  }

  // ------------------------------------------------------------------ curl

  function shellQuote(text) {
    return `'${text.replace(/'/g, `'"'"'`)}'`;
  }

  function curlFor(kind, fields) {
    const path = kind === "image" ? "v1/generate/image" : "v1/generate/prompt";
    const url = new URL(path, document.baseURI).href;
    const body = kind === "image" ? imageBody(fields) : promptBody(fields);
    const lines = [`curl -s ${url}`, "-H 'content-type: application/json'"];
    if (apiKey() || (state.config && state.config.authRequired)) {
      lines.push('-H "Authorization: Bearer $PROMPTGEN_API_KEY"');
    }
    lines.push(`-d ${shellQuote(JSON.stringify(body))}`);
    return lines.join(" \\\n  ");
  }

  function updateCurl() {
    $("curl").textContent = curlFor(state.lastKind, readFields().fields);
  }

  // ------------------------------------------------------------------ errors

  function clearErrors() {
    $("error").hidden = true;
    for (const [control, slot] of Object.entries(ERROR_SLOTS)) {
      const input = $(control);
      input.removeAttribute("aria-invalid");
      $(slot).hidden = true;
      $(slot).textContent = "";
    }
    $("drop").removeAttribute("data-invalid");
    document.querySelector(".modes").removeAttribute("aria-invalid");
  }

  function controlFor(field) {
    if (!field) return null;
    let name = String(field).replace(/^promptGeneration\./, "").replace(/^\$\./, "");
    name = name.split(/[.[]/)[0];
    return FIELD_CONTROLS[name] || null;
  }

  function markField(controlId, message) {
    if (controlId === "mode") {
      document.querySelector(".modes").setAttribute("aria-invalid", "true");
      return;
    }
    const input = $(controlId);
    if (!input) return;
    input.setAttribute("aria-invalid", "true");
    if (controlId === "image-file") $("drop").setAttribute("data-invalid", "true");
    const slot = ERROR_SLOTS[controlId];
    if (slot) {
      setRichText($(slot), message);
      $(slot).hidden = false;
    }
  }

  function focusControl(controlId) {
    if (controlId === "mode") {
      const checked = document.querySelector('input[name="mode"]:checked');
      if (checked) checked.focus();
      return;
    }
    const input = $(controlId);
    if (input && !input.closest("[hidden]")) input.focus();
  }

  /** Plain words for the embedded model's timeouts and overloads (their detail says what to
   *  do: the setting to raise, or when to retry), instead of "Upstream backend timed out (504)";
   *  null keeps the service's title (an image provider's problem, a job's own title). */
  function plainTitle(problem) {
    const slug = String(problem.type || "").split("/").pop();
    const local = problem.backend === "local";
    if (slug === "overloaded" && problem.reason === "loading") return "The model is still loading";
    if (slug === "upstream-timeout" && local) return "The model took too long";
    if (slug === "overloaded" && local) return "The model is busy";
    if (slug === "deadline-exceeded" && problem.title === "Deadline exceeded") return "The request ran out of time";
    return null;
  }

  /** Show a problem detail as the service worded it; `controlId` overrides the field lookup. */
  function showProblem(problem, controlId) {
    const box = $("error");
    const status = problem.status ? ` (${problem.status})` : "";
    const plain = plainTitle(problem);
    $("error-title").textContent = plain || `${problem.title || "Request failed"}${status}`;
    setRichText($("error-detail"), problem.detail || "");
    const meta = $("error-meta");
    meta.textContent = "";
    const target = controlId || controlFor(problem.field);
    const parts = [];
    if (problem.field) parts.push(`field: ${problem.field}`);
    if (problem.type) parts.push(`type: ${String(problem.type).split("/").pop()}`);
    if (plain && problem.status) parts.push(`HTTP ${problem.status}`);
    if (problem.setting) parts.push(`setting: ${problem.setting}`);
    if (problem.retryAfter) parts.push(`try again in ${problem.retryAfter} s`);
    meta.append(parts.join(" · "));
    if (problem.jobId) meta.append(parts.length ? " · " : "", "job: ", idSpan(problem.jobId));
    if (target) {
      if (problem.field) markField(target, problem.detail || "invalid value");
      const link = el("a", { href: `#${target === "mode" ? "form" : target}`, text: "Go to the field" });
      link.addEventListener("click", (event) => {
        event.preventDefault();
        focusControl(target);
      });
      if (parts.length || problem.jobId) meta.append(" · ");
      meta.append(link);
    }
    if (problem.status === 401 || problem.status === 403) {
      $("auth").open = true;
      meta.append(" · enter an API key at the top of the page");
    }
    box.hidden = false;
    box.focus();
  }

  // ------------------------------------------------------------------ progress

  function startProgress(message) {
    state.controller = new AbortController();
    state.started = performance.now();
    const bar = $("progress-bar");
    bar.removeAttribute("value");
    $("progress").hidden = false;
    $("results").setAttribute("aria-busy", "true");
    $("results").classList.add("stale"); // the previous results, dimmed until new ones replace them
    $("generate").disabled = true;
    $("generate-images").disabled = true;
    const tick = () => {
      const seconds = ((performance.now() - state.started) / 1000).toFixed(1);
      const loading = state.config && !state.config.ready ? "Loading the language model (first start only)… " : "";
      $("progress-text").textContent = `${loading}${state.progressMessage} ${seconds} s`;
    };
    state.progressMessage = message;
    tick();
    state.timer = window.setInterval(tick, 100);
    announce(message);
    return state.controller.signal;
  }

  function setProgress(message, fraction) {
    state.progressMessage = message;
    if (typeof fraction === "number" && fraction > 0) $("progress-bar").value = Math.min(1, fraction);
  }

  function stopProgress() {
    window.clearInterval(state.timer);
    state.timer = null;
    state.controller = null;
    state.jobId = null;
    $("progress").hidden = true;
    $("results").removeAttribute("aria-busy");
    $("results").classList.remove("stale");
    $("generate").disabled = false;
    $("generate-images").disabled = false;
  }

  async function cancel() {
    const jobId = state.jobId;
    if (state.controller) state.controller.abort();
    if (jobId) {
      try {
        await api("POST", `v1/jobs/${encodeURIComponent(jobId)}/action`, { action: "cancel" });
      } catch (_) {
        /* the job may have finished meanwhile */
      }
    }
  }

  // ------------------------------------------------------------------ results

  function resetResults() {
    state.renderSerial += 1;
    $("results").classList.remove("stale");
    for (const url of state.blobUrls) URL.revokeObjectURL(url);
    state.blobUrls = [];
    $("cards").replaceChildren();
    $("ip-panel").hidden = true;
    $("ip-findings").replaceChildren();
    $("warnings").hidden = true;
    $("warnings").replaceChildren();
    $("usage").textContent = "";
    $("empty").hidden = false;
  }

  /** `text` with every occurrence of each term wrapped in <mark> (case-insensitive, no overlaps). */
  function highlighted(text, terms) {
    const spans = [];
    const lower = text.toLowerCase();
    for (const term of terms) {
      const needle = (term.text || "").toLowerCase();
      if (!needle) continue;
      let at = lower.indexOf(needle);
      while (at !== -1) {
        spans.push({ start: at, end: at + needle.length, title: term.title });
        at = lower.indexOf(needle, at + needle.length);
      }
    }
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    const fragment = document.createDocumentFragment();
    let cursor = 0;
    for (const span of spans) {
      if (span.start < cursor) continue;
      fragment.append(text.slice(cursor, span.start));
      fragment.append(el("mark", { title: span.title, text: text.slice(span.start, span.end) }));
      cursor = span.end;
    }
    fragment.append(text.slice(cursor));
    return fragment;
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_) {
      const area = el("textarea", { class: "visually-hidden", "aria-hidden": "true" });
      area.value = text;
      document.body.append(area);
      area.select();
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (__) { ok = false; }
      area.remove();
      return ok;
    }
  }

  function copyButton(label, getText, accessibleName) {
    const button = el("button", { type: "button", class: "small copy", "aria-label": accessibleName, text: label });
    button.addEventListener("click", async () => {
      const ok = await copyText(getText());
      button.textContent = ok ? "Copied" : "Copy failed";
      announce(ok ? `${accessibleName.replace(/^Copy /, "")} copied` : "Copying failed");
      window.setTimeout(() => { button.textContent = label; }, 1500);
    });
    return button;
  }

  function renderCards(prompts, terms) {
    const cards = $("cards");
    cards.replaceChildren();
    prompts.forEach((prompt, index) => {
      const n = index + 1;
      const text = el("p", { class: "card-text", id: `prompt-${n}` });
      text.append(highlighted(prompt, terms || []));
      const card = el(
        "li",
        { class: "card", "aria-labelledby": `card-title-${n}` },
        el("div", { class: "card-head" },
          el("h3", { id: `card-title-${n}`, text: `Prompt ${n}` }),
          copyButton("Copy", () => prompt, `Copy prompt ${n}`)),
        text,
        el("div", { class: "card-images", id: `images-${n}` }),
      );
      card.dataset.prompt = prompt;
      cards.append(card);
    });
    $("empty").hidden = prompts.length > 0;
  }

  /** Re-mark the cards' text in place (their images stay). */
  function highlightCards(terms) {
    for (const card of $("cards").children) {
      const text = card.querySelector(".card-text");
      text.replaceChildren(highlighted(card.dataset.prompt, terms));
    }
  }

  function renderWarnings(warnings) {
    const list = $("warnings");
    list.replaceChildren(...(warnings || []).map((w) => setRichText(el("li"), w)));
    list.hidden = !(warnings && warnings.length);
  }

  const ACTION_TEXT = {
    allowed: "No protected IP found",
    flagged: "Protected IP found and replaced",
    blocked: "Protected IP found: blocked",
  };

  function renderIP(detection, cleared) {
    const panel = $("ip-panel");
    const list = $("ip-findings");
    list.replaceChildren();
    if (!detection) {
      panel.hidden = true;
      return [];
    }
    const findings = detection.findings || [];
    $("ip-title").textContent = cleared
      ? `${ACTION_TEXT[detection.action] || detection.action}${findings.length ? ` (${plural(findings.length, "finding")})` : ""}`
      : `Protected IP in these prompts (${plural(findings.length, "finding")}); switch on “Remove protected IP” to replace it`;
    const terms = [];
    for (const finding of findings) {
      const entities = (finding.entities || []).join(", ");
      const item = el("li", { class: "finding" });
      item.append(el("span", { class: "category", text: finding.category }), " ");
      item.append(el("mark", { text: entities }));
      if (cleared && finding.replacement) item.append(` → “${finding.replacement}”`);
      if (finding.reason) item.append(el("span", { class: "hint", text: ` — ${finding.reason}` }));
      list.append(item);
      if (cleared && finding.replacement) {
        terms.push({ text: finding.replacement, title: `replaces ${entities} (${finding.category})` });
      } else if (!cleared) {
        for (const entity of finding.entities || []) terms.push({ text: entity, title: `${finding.category}: protected` });
      }
    }
    panel.classList.toggle("clean", findings.length === 0);
    panel.hidden = cleared ? false : findings.length === 0;
    return terms;
  }

  function renderUsage(usage, job) {
    const parts = [];
    const prompt = usage && usage.prompt !== undefined ? usage.prompt : usage;
    if (prompt && prompt.backend) {
      parts.push(`${prompt.backend}:${prompt.model}`);
      parts.push(`seed ${prompt.seed}`);
      if (prompt.latencyMs !== undefined) parts.push(`${Math.round(prompt.latencyMs)} ms`);
    }
    if (usage && usage.image) parts.push(`images: ${usage.image.backend}, ${Math.round(usage.image.latencyMs)} ms`);
    $("usage").replaceChildren(parts.join(" · "));
    if (job && job.jobId) $("usage").append(parts.length ? " · " : "", "job ", idSpan(job.jobId));
  }

  /** Prompts are always cleared-or-checked: without clearing, /v1/ip/check marks what they name. */
  async function checkIP(prompts) {
    const serial = state.renderSerial;
    try {
      const results = await Promise.all(prompts.map((text) => api("POST", "v1/ip/check", { text })));
      const findings = [];
      const seen = new Set();
      for (const result of results) {
        for (const finding of result.findings || []) {
          const key = `${finding.category}|${(finding.entities || []).join(",")}`;
          if (!seen.has(key)) {
            seen.add(key);
            findings.push(finding);
          }
        }
      }
      if (!findings.length || serial !== state.renderSerial) return;
      highlightCards(renderIP({ action: "flagged", findings }, false));
    } catch (_) {
      /* a hint only */
    }
  }

  /** On a phone the results are below the form: bring them into view (focus stays where it is). */
  function revealResults() {
    const top = $("results").getBoundingClientRect().top;
    if (top > window.innerHeight * 0.6) $("results").scrollIntoView({ block: "start" });
  }

  function showPrompts(data, prompts) {
    const cleared = Boolean(data.ipDetection);
    const terms = renderIP(data.ipDetection, true);
    renderCards(prompts, terms);
    renderWarnings(data.warnings);
    renderUsage(data.usage, data.job);
    if (!cleared && prompts.length) checkIP(prompts);
  }

  /** What a tile says about its seed: the image's own, else the one that made its prompts. */
  function seedText(image, usage) {
    if (image.seed !== null && image.seed !== undefined) return { text: `seed ${image.seed}` };
    const promptSeed = usage && usage.prompt ? usage.prompt.seed : undefined;
    const backend = (usage && usage.image && usage.image.backend) || "the image model";
    if (promptSeed === null || promptSeed === undefined) return { text: "unseeded", title: `${backend} takes no seed` };
    return {
      text: `seed ${promptSeed}, prompts only`,
      title: `seed ${promptSeed} made the prompts; ${backend} takes no seed, so the picture itself may vary`,
    };
  }

  async function showImages(images, usage) {
    for (const [index, image] of images.entries()) {
      const holder = $(`images-${(image.promptIndex || 0) + 1}`);
      if (!holder) continue;
      const img = el("img", { alt: `Image ${index + 1}: ${image.prompt}`, "data-asset-id": image.assetId });
      const seed = seedText(image, usage);
      const caption = el(
        "figcaption",
        {},
        el("span", { class: "seed", title: seed.title, text: [seed.text, image.mediaType].filter(Boolean).join(" · ") }),
        image.assetId ? idSpan(image.assetId) : null,
      );
      holder.append(el("figure", { class: "generated" }, img, caption));
      try {
        img.src = image.b64_json ? `data:${image.mediaType};base64,${image.b64_json}` : await fetchBlobUrl(image.url);
        img.addEventListener("load", () => {
          if (img.naturalWidth < 64) img.classList.add("tiny");
        });
      } catch (err) {
        caption.append(el("span", { class: "seed", text: `could not load (${err.message})` }));
      }
    }
  }

  // ------------------------------------------------------------------ actions

  async function ensureUploaded() {
    if (state.uploading) await state.uploading.catch(() => {});
  }

  async function generatePrompts() {
    clearErrors();
    await ensureUploaded();
    const fields = promptFields();
    if (!fields) return;
    state.lastKind = "prompt";
    updateCurl();
    const n = fields.numResults || 1;
    const signal = startProgress(`Writing ${plural(n, "prompt")}…`);
    try {
      const data = await api("POST", "v1/generate/prompt", promptBody(fields), { signal });
      resetResults();
      showPrompts(data, data.prompts || []);
      revealResults();
      announce(`${plural((data.prompts || []).length, "prompt")} ready`);
    } catch (err) {
      if (err instanceof Aborted) announce("Canceled");
      else if (err instanceof Problem) showProblem(err.problem);
      else showProblem({ title: "Something went wrong in the page", detail: String(err) });
    } finally {
      stopProgress();
    }
  }

  async function generateImages() {
    clearErrors();
    await ensureUploaded();
    const fields = promptFields();
    if (!fields) return;
    state.lastKind = "image";
    updateCurl();
    const body = { ...imageBody(fields), async: true };
    const signal = startProgress("Writing prompts…");
    try {
      const accepted = await api("POST", "v1/generate/image", body, { signal });
      let job = accepted.job;
      state.jobId = job.jobId;
      resetResults();
      let shown = 0;
      while (job.status !== "success" && job.status !== "failure" && job.status !== "canceled") {
        await new Promise((resolve) => window.setTimeout(resolve, POLL_MS));
        if (signal.aborted) throw new Aborted("canceled");
        job = await api("GET", `v1/jobs/${encodeURIComponent(job.jobId)}`, undefined, { signal });
        const output = (job.metadata && job.metadata.output) || {};
        if (output.prompts && output.prompts.length && !shown) {
          renderCards(output.prompts, []);
          shown = output.prompts.length;
          revealResults();
        }
        const done = output.imagesDone || 0;
        setProgress(shown ? `Making images (${done} done)…` : "Writing prompts…", job.progress);
      }
      if (job.status === "failure") {
        const error = (job.metadata && job.metadata.error) || {};
        showProblem({ title: "Image generation failed", ...error, jobId: job.jobId });
        return;
      }
      if (job.status === "canceled") {
        announce("Canceled");
        showProblem({ title: "Canceled", detail: "the image job was canceled", jobId: job.jobId });
        return;
      }
      const output = job.metadata.output;
      showPrompts({ ...output, job }, output.prompts || []);
      await showImages(output.images || [], output.usage);
      announce(`${plural((output.images || []).length, "image")} ready`);
    } catch (err) {
      if (err instanceof Aborted) announce("Canceled");
      else if (err instanceof Problem) showProblem(err.problem);
      else showProblem({ title: "Something went wrong in the page", detail: String(err) });
    } finally {
      stopProgress();
    }
  }

  // ------------------------------------------------------------------ the image drop zone

  function clearAsset(resetInput) {
    if (state.asset && state.asset.objectUrl) URL.revokeObjectURL(state.asset.objectUrl);
    state.asset = null;
    state.uploadSerial += 1;
    state.uploading = null;
    $("image-preview").hidden = true;
    $("image-thumb").removeAttribute("src");
    if (resetInput) $("image-file").value = "";
    updateCurl();
  }

  /** Show a dropped or pasted file in the file input too, as if it had been chosen there. */
  function reflectInInput(file) {
    try {
      const transfer = new DataTransfer();
      transfer.items.add(file);
      $("image-file").files = transfer.files;
    } catch (_) {
      /* older browsers: the preview still shows it */
    }
  }

  async function upload(file) {
    clearErrors();
    clearAsset();
    const serial = state.uploadSerial;
    const objectUrl = URL.createObjectURL(file);
    $("image-thumb").src = objectUrl;
    $("image-thumb").alt = `Selected image: ${file.name || "pasted image"}`;
    $("image-name").textContent = file.name || "pasted image";
    $("image-caption").textContent = "Uploading…";
    $("image-preview").hidden = false;
    const form = new FormData();
    form.append("file", file, file.name || "pasted.png");
    const work = (async () => {
      try {
        const { asset } = await api("POST", "v1/assets", form);
        if (serial !== state.uploadSerial) return;
        state.asset = { assetId: asset.assetId, name: asset.name, objectUrl };
        $("image-name").replaceChildren(`${asset.name} · ${asset.width}×${asset.height} · `, idSpan(asset.assetId));
        $("image-caption").textContent = "Looking at it…";
        updateCurl();
        announce("Image uploaded");
        try {
          const caption = await api("POST", "v1/generate/caption", {
            images: [asset.assetId],
            detailsLevel: "action+style",
          });
          if (serial === state.uploadSerial) {
            $("image-caption").textContent = `The service sees: ${caption.captions[0]}`;
          }
        } catch (_) {
          if (serial === state.uploadSerial) $("image-caption").textContent = "";
        }
      } catch (err) {
        if (serial !== state.uploadSerial) return;
        URL.revokeObjectURL(objectUrl);
        $("image-preview").hidden = true;
        $("image-file").value = "";
        const problem = err instanceof Problem ? err.problem : { title: "Upload failed", detail: String(err) };
        showProblem(problem, "image-file");
        markField("image-file", problem.detail || "upload failed");
        throw err;
      }
    })();
    state.uploading = work;
    try { await work; } catch (_) { /* shown */ } finally {
      if (state.uploading === work) state.uploading = null;
    }
  }

  function setUpDrop() {
    const drop = $("drop");
    const input = $("image-file");
    input.addEventListener("change", () => {
      if (input.files && input.files[0]) upload(input.files[0]);
    });
    for (const type of ["dragenter", "dragover"]) {
      drop.addEventListener(type, (event) => {
        event.preventDefault();
        drop.classList.add("over");
      });
    }
    for (const type of ["dragleave", "drop"]) {
      drop.addEventListener(type, () => drop.classList.remove("over"));
    }
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      const file = event.dataTransfer && event.dataTransfer.files && event.dataTransfer.files[0];
      if (file) {
        reflectInInput(file);
        upload(file);
      }
    });
    // a dropped file that misses the zone must not navigate away from the page
    window.addEventListener("dragover", (event) => event.preventDefault());
    window.addEventListener("drop", (event) => event.preventDefault());
    document.addEventListener("paste", (event) => {
      if (!takesPhoto(mode())) return;
      const items = (event.clipboardData && event.clipboardData.files) || [];
      if (items.length && items[0].type.startsWith("image/")) {
        event.preventDefault();
        reflectInInput(items[0]);
        upload(items[0]);
      }
    });
    $("image-remove").addEventListener("click", () => {
      clearAsset(true);
      input.focus();
      announce("Image removed");
    });
  }

  // ------------------------------------------------------------------ mode-dependent form

  function applyMode() {
    const info = modeInfo(mode());
    const editing = info.images === "edit";
    $("image-group").hidden = !takesPhoto(info.name);
    $("editor-group").hidden = !info.editors.length;
    $("spark-label").textContent = editing ? "Edit" : info.needsSpark ? "Spark" : "Spark (optional)";
    $("spark-hint").textContent = info.sparkHint;
    $("spark").placeholder = info.sparkExample ? `e.g. ${info.sparkExample}` : "";
    $("image-label").textContent = editing ? "Photo to edit" : "Photo";
    updateCurl();
  }

  // ------------------------------------------------------------------ start

  function start() {
    const stored = window.sessionStorage.getItem(KEY_STORE);
    if (stored) $("api-key").value = stored;
    $("api-key").addEventListener("input", () => {
      const key = apiKey();
      if (key) window.sessionStorage.setItem(KEY_STORE, key);
      else window.sessionStorage.removeItem(KEY_STORE);
      updateCurl();
    });
    $("form").addEventListener("submit", (event) => {
      event.preventDefault();
      generatePrompts();
    });
    $("generate-images").addEventListener("click", generateImages);
    $("cancel").addEventListener("click", cancel);
    $("spark").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (!$("generate").disabled) generatePrompts();
      }
    });
    $("form").addEventListener("input", updateCurl);
    $("form").addEventListener("change", updateCurl);
    const copyCurl = copyButton("Copy curl command", () => $("curl").textContent, "Copy curl command");
    copyCurl.id = "copy-curl";
    $("copy-curl").replaceWith(copyCurl);
    setUpDrop();
    updateCurl();
    loadConfig(); // builds the mode list, then fits the form to the first mode
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
