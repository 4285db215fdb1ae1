// A reader for the YAML subset docker-compose.yml keeps to, so its test needs no YAML dependency:
// block mappings, block sequences (of scalars or of mappings), `|` literal blocks, plain, single-
// and double-quoted scalars, whole-line comments. Anything else (flow collections, anchors, tags,
// trailing comments, folded blocks) is rejected loudly rather than misread.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  indent: number;
  text: string;
  number: number;
}

/** Thrown on input outside the subset; names the line. */
export class YamlSubsetError extends Error {
  override name = 'YamlSubsetError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export function parseYamlSubset(source: string): YamlValue {
  const raw = source.replace(/\r\n/g, '\n').split('\n');
  const lines: Line[] = raw.map((text, i) => ({
    indent: text.length - text.trimStart().length,
    text: text.trim(),
    number: i + 1,
  }));
  const reader = { lines, raw, position: 0 };
  skipBlank(reader);
  if (reader.position >= lines.length) return null;
  const value = parseBlock(reader, lines[reader.position]!.indent);
  skipBlank(reader);
  if (reader.position < lines.length)
    throw new YamlSubsetError('unexpected indentation', lines[reader.position]!.number);
  return value;
}

type Reader = { lines: Line[]; raw: string[]; position: number };

function skipBlank(reader: Reader): void {
  while (reader.position < reader.lines.length) {
    const { text } = reader.lines[reader.position]!;
    if (text !== '' && !text.startsWith('#')) return;
    reader.position += 1;
  }
}

function parseBlock(reader: Reader, indent: number): YamlValue {
  const first = reader.lines[reader.position]!;
  return first.text === '-' || first.text.startsWith('- ')
    ? parseSequence(reader, indent)
    : parseMapping(reader, indent);
}

function parseMapping(reader: Reader, indent: number, firstText?: string): { [key: string]: YamlValue } {
  const result: { [key: string]: YamlValue } = {};
  let text = firstText;
  for (;;) {
    if (text === undefined) {
      skipBlank(reader);
      const line = reader.lines[reader.position];
      if (line === undefined || line.indent < indent) return result;
      if (line.indent > indent) throw new YamlSubsetError('unexpected indentation', line.number);
      text = line.text;
    }
    const number = reader.lines[reader.position]!.number;
    const match = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s"'#:][^:#]*?)\s*:(?:\s+(.*))?$/.exec(text);
    if (match === null) throw new YamlSubsetError(`expected "key: value", got "${text}"`, number);
    const key = String(scalar(match[1]!, number));
    if (key in result) throw new YamlSubsetError(`duplicate key ${key}`, number);
    reader.position += 1;
    result[key] = parseValue(reader, indent, match[2], number);
    text = undefined;
  }
}

function parseSequence(reader: Reader, indent: number): YamlValue[] {
  const result: YamlValue[] = [];
  for (;;) {
    skipBlank(reader);
    const line = reader.lines[reader.position];
    if (line === undefined || line.indent < indent) return result;
    if (line.indent > indent || !(line.text === '-' || line.text.startsWith('- '))) {
      throw new YamlSubsetError('expected "- item"', line.number);
    }
    const item = line.text.slice(1).trim();
    if (/^[^\s"'#:[{][^:#]*?\s*:(\s|$)/.test(item) || /^"(?:[^"\\]|\\.)*"\s*:(\s|$)/.test(item)) {
      // `- key: value` opens a mapping whose keys sit two columns right of the dash.
      result.push(parseMapping(reader, indent + 2, item));
    } else {
      reader.position += 1;
      result.push(parseValue(reader, indent, item === '' ? undefined : item, line.number));
    }
  }
}

function parseValue(reader: Reader, indent: number, rest: string | undefined, number: number): YamlValue {
  if (rest === undefined || rest === '') {
    skipBlank(reader);
    const next = reader.lines[reader.position];
    if (next === undefined || next.indent <= indent) return null;
    return parseBlock(reader, next.indent);
  }
  if (rest === '|') return literalBlock(reader, indent);
  return scalar(rest, number);
}

/** `|` (clip): the more-indented lines that follow, minus their common indentation, with one final newline. */
function literalBlock(reader: Reader, indent: number): string {
  const body: string[] = [];
  let blockIndent: number | undefined;
  while (reader.position < reader.lines.length) {
    const line = reader.lines[reader.position]!;
    if (line.text !== '' && line.indent <= indent) break;
    if (line.text !== '') blockIndent ??= line.indent;
    body.push(line.text === '' ? '' : reader.raw[line.number - 1]!.slice(blockIndent));
    reader.position += 1;
  }
  while (body.length > 0 && body[body.length - 1] === '') body.pop();
  return body.length === 0 ? '' : body.join('\n') + '\n';
}

function scalar(text: string, number: number): string | number | boolean | null {
  if (text.startsWith('"')) {
    if (!/^"(?:[^"\\]|\\.)*"$/.test(text)) throw new YamlSubsetError(`bad double-quoted scalar ${text}`, number);
    return JSON.parse(text) as string;
  }
  if (text.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(text)) throw new YamlSubsetError(`bad single-quoted scalar ${text}`, number);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[[{&*!|>%@`]/.test(text)) throw new YamlSubsetError(`unsupported YAML construct "${text}"`, number);
  if (/\s#/.test(text)) throw new YamlSubsetError('trailing comments are not supported', number);
  if (/:\s/.test(text)) throw new YamlSubsetError(`quote scalars containing ": " (${text})`, number);
  if (/^-?\d+$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null' || text === '~') return null;
  return text;
}
