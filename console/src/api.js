// The /v1 API as the console uses it: a Bearer key, problem+json errors turned into readable messages.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export class Api {
  constructor(key) {
    this.key = key;
  }

  headers(type) {
    const headers = { Authorization: `Bearer ${this.key}` };
    if (type) headers["Content-Type"] = type;
    return headers;
  }

  request(method, path, body) {
    return body === undefined ? this.send(method, path) : this.send(method, path, JSON.stringify(body), "application/json");
  }

  async send(method, path, payload = undefined, type = null) {
    let response;
    try {
      response = await fetch(path, { method, headers: this.headers(type), body: payload });
    } catch {
      throw new ApiError(0, "the server cannot be reached; is memrag still running?");
    }
    if (!response.ok) throw await problem(response);
    return response.status === 204 ? null : response.json();
  }

  // A file's bytes as the body (the server reads it with the same loaders as `memrag ingest`).
  upload(path, file) {
    return this.send("POST", path, file, "application/octet-stream");
  }

  get(path) {
    return this.request("GET", path);
  }

  post(path, body) {
    return this.request("POST", path, body);
  }

  delete(path) {
    return this.request("DELETE", path);
  }

  // POST with `stream: true`; calls onEvent(name, data) per server-sent event until the stream ends.
  async stream(path, body, onEvent) {
    const response = await fetch(path, { method: "POST", headers: this.headers("application/json"), body: JSON.stringify(body) });
    if (!response.ok) throw await problem(response);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      let end;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const parsed = parseEvent(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
        if (parsed) onEvent(parsed.name, parsed.data);
      }
    }
  }
}

// One SSE block ("event: x\ndata: {...}") → {name, data}; null for comments and keep-alives.
export function parseEvent(block) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
  }
  if (data.length === 0) return null;
  return { name, data: JSON.parse(data.join("\n")) };
}

async function problem(response) {
  let detail = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (typeof body.detail === "string") detail = body.detail;
    else if (Array.isArray(body.detail)) detail = body.detail.map((d) => d.msg).join("; ");
    else if (body.title) detail = body.title;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, detail);
}

export const nsPath = (ns) => `/v1/namespaces/${encodeURIComponent(ns)}`;
