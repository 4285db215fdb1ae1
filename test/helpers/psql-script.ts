import type pg from 'pg';

// Runs a psql init script (deploy/postgres/*.sql) through node-postgres, so a test can run the very
// file the Postgres image runs without psql on the machine. Only what those scripts use: `\set`
// (ignored), `\getenv`, `\if :{?var}` / `\else` / `\endif`, `:'var'` as a quoted literal, statements
// ending in `;`, and queries ending in `\gexec` (each value of the answer run as a statement).

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

export async function runPsqlScript(client: pg.Client, sql: string, env: Record<string, string>): Promise<void> {
  const vars = new Map<string, string>();
  // One entry per open \if: whether its current branch runs.
  const branches: boolean[] = [];
  const running = () => branches.every(Boolean);
  let buffer = '';
  for (const rawLine of sql.split('\n')) {
    const line = rawLine.replace(/--.*$/, '');
    const meta = /^\\(\w+)\s*(.*)$/.exec(line.trim());
    if (meta) {
      const [, command, args] = meta as unknown as [string, string, string];
      if (command === 'if') branches.push(vars.has(/^:\{\?(\w+)\}$/.exec(args)?.[1] ?? ''));
      else if (command === 'else') branches.push(!branches.pop()!);
      else if (command === 'endif') branches.pop();
      else if (command === 'getenv' && running()) {
        const [name, variable] = args.split(/\s+/) as [string, string];
        if (env[variable] !== undefined) vars.set(name, env[variable]);
      } else if (command !== 'set') throw new Error(`psql command \\${command} is not supported here`);
      continue;
    }
    if (!running()) continue;
    const text = line.replace(/:'(\w+)'/g, (_, name: string) => {
      const value = vars.get(name);
      if (value === undefined) throw new Error(`psql variable ${name} is not set`);
      return literal(value);
    });
    const gexec = /\\gexec\s*$/.exec(text);
    buffer += (gexec ? text.slice(0, gexec.index) : text) + '\n';
    if (gexec) {
      const answer = await client.query<Record<string, unknown>>({ text: buffer, rowMode: 'array' } as never);
      for (const row of answer.rows as unknown as unknown[][]) {
        for (const statement of row) if (typeof statement === 'string') await client.query(statement);
      }
      buffer = '';
    } else if (/;\s*$/.test(text)) {
      await client.query(buffer);
      buffer = '';
    }
  }
  if (buffer.trim() !== '') throw new Error(`unterminated statement at the end of the script: ${buffer.trim()}`);
}
