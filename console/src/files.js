// Files read in the browser into documents: text and Markdown as they are, HTML as its text, JSON Lines per line.

const MAX_DOCUMENTS = 500; // the API's bound per job

export async function documentsFrom(files) {
  const documents = [];
  for (const file of files) documents.push(...(await documentsOf(file)));
  if (documents.length > MAX_DOCUMENTS) {
    throw new Error(`${documents.length} documents: send at most ${MAX_DOCUMENTS} at a time`);
  }
  return documents;
}

async function documentsOf(file) {
  const name = file.name.toLowerCase();
  if (name.endsWith(".pdf")) throw new Error(`${file.name}: PDF is not read in the browser; use memrag ingest`);
  const text = await file.text();
  if (name.endsWith(".jsonl")) return jsonLines(file.name, text);
  const body = name.endsWith(".html") || name.endsWith(".htm") ? htmlText(text) : text;
  if (!body.trim()) throw new Error(`${file.name} has no text`);
  return [{ id: file.name, title: file.name, text: body }];
}

function jsonLines(fileName, text) {
  return text
    .split("\n")
    .map((line, i) => [line.trim(), i + 1])
    .filter(([line]) => line)
    .map(([line, number]) => {
      let row;
      try {
        row = JSON.parse(line);
      } catch {
        throw new Error(`${fileName} line ${number} is not JSON`);
      }
      if (typeof row.text !== "string") throw new Error(`${fileName} line ${number} has no "text" string`);
      return { id: row.id ?? `${fileName}#${number}`, title: row.title ?? "", text: row.text, metadata: row.metadata ?? {} };
    });
}

function htmlText(html) {
  // DOMParser builds an inert document: no script runs, nothing loads.
  const doc = new DOMParser().parseFromString(html, "text/html");
  for (const node of doc.querySelectorAll("script, style, noscript")) node.remove();
  return (doc.body?.textContent ?? "").replace(/\n\s*\n+/g, "\n\n").trim();
}
