import type { Db } from '../../src/db/pool';

// The search bench's data, made inside Postgres (generate_series, no rows through the client):
// conversations with WhatsApp profile names, students with names and emails, and messages in eight
// languages whose words follow a skewed (Zipf-like) frequency, with names, surnames, numbers,
// homework references and typos among them, a few seconds apart, busy conversations more often.

export interface SeedCounts {
  conversations: number;
  messages: number;
}

// prettier-ignore
export const FIRST_NAMES = [
  'Ana', 'João', 'Maria', 'Lucas', 'Beatriz', 'José', 'Lucía', 'Mateo', 'Sofía', 'Chidi', 'Ngozi', 'Emeka',
  'Adaeze', 'Tunde', 'Folake', 'Kwame', 'Akosua', 'Amina', 'Fatima', 'Mohammed', 'Yusuf', 'Aisha', 'Omar', 'Léa',
  'Hugo', 'Chloé', 'Olena', 'Dmitri', 'Irina', 'Pavel', 'Wei', 'Fang', 'Li', 'Priya', 'Arjun', 'Ananya', 'Thabo',
  'Zanele', 'Grace', 'Peter', 'Howard', 'Emily', 'Daniel', 'Nadia', 'Zeynep', 'Mehmet',
];

// prettier-ignore
export const LAST_NAMES = [
  'Souza', 'Silva', 'Santos', 'Oliveira', 'García', 'Martínez', 'López', 'Okafor', 'Adeyemi', 'Okonkwo', 'Balogun',
  'Mensah', 'Boateng', 'Hassan', 'Ali', 'Ibrahim', 'Dubois', 'Martin', 'Bernard', 'Kovalenko', 'Shevchenko',
  'Ivanova', 'Petrov', 'Wang', 'Zhang', 'Chen', 'Sharma', 'Patel', 'Iyer', 'Dlamini', 'Nkosi', 'Smith', 'Johnson',
  'Brown', 'Yılmaz', 'Demir', 'Nguyen', 'Tran', 'Kimani', 'Otieno',
];

/** What students write, by language, most frequent words first. */
export const VOCABULARY: Record<string, string> = {
  en: 'the my I is to a and you for of homework question please help with in what when can how this do not answer it have me teacher class test maths science physics chemistry biology english history submit deadline tomorrow today thanks thank okay yes no exam grade page exercise number problem solution explain understand again send photo file sorry late week monday friday lesson',
  pt: 'o a de que e eu é para não um uma com meu minha tarefa pergunta por favor ajuda professor aula prova matemática ciências física química resposta obrigado obrigada amanhã hoje semana exercício página entender explicar enviar foto desculpa atrasado sim nota',
  es: 'el la de que y yo es para no un una con mi tarea pregunta por favor ayuda profesor clase examen matemáticas ciencias física química respuesta gracias mañana hoy semana ejercicio página entender explicar enviar foto perdón tarde sí nota',
  fr: "le la de que et je est pour ne pas un une avec mon ma devoir question s'il vous plaît aide professeur cours examen mathématiques sciences physique chimie réponse merci demain aujourd'hui semaine exercice page comprendre expliquer envoyer photo désolé retard oui note",
  sw: 'na ya wa kwa ni mimi wewe kazi ya nyumbani swali tafadhali msaada mwalimu darasa mtihani hesabu sayansi fizikia kemia jibu asante kesho leo wiki zoezi ukurasa kuelewa eleza tuma picha samahani ndiyo alama',
  ru: 'я и в не на что с это мне домашнее задание вопрос пожалуйста помогите учитель урок экзамен математика физика химия ответ спасибо завтра сегодня неделя упражнение страница понять объяснить отправить фото извините да оценка',
  ar: 'في من على أن هذا أنا الواجب المنزلي سؤال من فضلك مساعدة المعلم الدرس الامتحان الرياضيات العلوم الفيزياء الكيمياء الإجابة شكرا غدا اليوم الأسبوع تمرين الصفحة أفهم اشرح أرسل صورة آسف نعم الدرجة',
  yo: 'ni mo o a fun ati ti ise sile ibeere jowo iranlowo oluko kilaasi idanwo isiro imo sayensi idahun e se ola loni ose adaṣe oju iwe ye mi salaye firanse aworan ma binu beeni maaki',
};

/** The phone number of conversation `i` (1-based), in one of three countries' shapes. */
export const PHONE_SQL = (i: string) =>
  `(case ${i} % 3 when 0 then '1555' || lpad(${i}::text, 7, '0')
                  when 1 then '23480' || lpad(${i}::text, 8, '0')
                  else '55119' || lpad(${i}::text, 8, '0') end)`;

/** The contact id of conversation `i`: `ct_` and `i` in 20 hex digits, so it holds no phone number. */
export const CONTACT_SQL = (i: string) => `('ct_' || lpad(to_hex(${i}), 20, '0'))`;

export function phoneOf(i: number): string {
  const digits = String(i);
  return i % 3 === 0
    ? `1555${digits.padStart(7, '0')}`
    : i % 3 === 1
      ? `23480${digits.padStart(8, '0')}`
      : `55119${digits.padStart(8, '0')}`;
}

/** The full name of conversation `i`'s student or profile. */
export function nameOf(i: number): string {
  return `${FIRST_NAMES[(i * 7) % FIRST_NAMES.length]} ${LAST_NAMES[(i * 13) % LAST_NAMES.length]}`;
}

export const emailOf = (i: number) => `student${i}@school.example`;

/** Seeds an empty migrated database; returns the milliseconds each step took. */
export async function seed(db: Db, counts: SeedCounts): Promise<Record<string, number>> {
  const client = await db.pool.connect();
  const took: Record<string, number> = {};
  const step = async (name: string, sql: string, params: unknown[] = []) => {
    const started = performance.now();
    await client.query(sql, params);
    took[name] = (took[name] ?? 0) + Math.round(performance.now() - started);
  };
  try {
    await step('conversations', `create temporary table first_names (n int primary key, name text)`);
    await step(
      'conversations',
      `insert into first_names select n - 1, name from unnest($1::text[]) with ordinality as t (name, n)`,
      [FIRST_NAMES],
    );
    await step('conversations', `create temporary table last_names (n int primary key, name text)`);
    await step(
      'conversations',
      `insert into last_names select n - 1, name from unnest($1::text[]) with ordinality as t (name, n)`,
      [LAST_NAMES],
    );
    // Each conversation's student is a contact found by their phone number, as the webhook makes them.
    await step(
      'conversations',
      `insert into contacts (id, phone) select ${CONTACT_SQL('i')}, ${PHONE_SQL('i')} from generate_series(1, $1) i`,
      [counts.conversations],
    );
    await step(
      'conversations',
      `insert into contact_identities (kind, value, contact_id)
       select 'phone', ${PHONE_SQL('i')}, ${CONTACT_SQL('i')} from generate_series(1, $1) i`,
      [counts.conversations],
    );
    await step(
      'conversations',
      `insert into conversations (contact_id, profile_name, state, registered, last_inbound_at, last_activity_at, created_at)
       select ${CONTACT_SQL('i')}, f.name || ' ' || l.name,
              case when i % 5 = 0 then 'IDLE' else 'REGISTERED' end, i % 5 <> 0,
              now() - (i % 2000) * interval '1 hour', now() - (i % 2000) * interval '1 hour', now() - interval '400 days'
         from generate_series(1, $1) i
         join first_names f on f.n = (i * 7) % ${FIRST_NAMES.length}
         join last_names l on l.n = (i * 13) % ${LAST_NAMES.length}`,
      [counts.conversations],
    );
    await step(
      'conversations',
      `insert into users (contact_id, full_name, email, class_name, registered_at)
       select ${CONTACT_SQL('i')}, f.name || ' ' || l.name, 'student' || i || '@school.example', 'Grade ' || (7 + i % 6), now()
         from generate_series(1, $1) i
         join first_names f on f.n = (i * 7) % ${FIRST_NAMES.length}
         join last_names l on l.n = (i * 13) % ${LAST_NAMES.length}
        where i % 5 <> 0`,
      [counts.conversations],
    );
    await step('messages', `create temporary table vocabulary (lang int primary key, words text[])`);
    await step(
      'messages',
      `insert into vocabulary select n - 1, string_to_array(words, ' ') from unnest($1::text[]) with ordinality as t (words, n)`,
      [Object.values(VOCABULARY)],
    );
    // A message: sometimes a first name to start, 3 to 16 words of one language (word k of n picked
    // with probability falling like k^-½), and one time in two a rarer token: a number, a homework
    // reference, a surname or a word with a typo. The `0 * k` ties each pick to its row of
    // generate_series, so Postgres draws a new word each time instead of one per message.
    await step(
      'messages',
      `insert into messages (contact_id, direction, sender, idempotency_key, type, body, status, created_at)
       select ${CONTACT_SQL('pick.c')},
              case when g.i % 3 = 0 then 'outbound' else 'inbound' end,
              case when g.i % 3 = 0 then (case when g.i % 2 = 0 then 'agent' else 'bot' end) else 'user' end,
              'seed-' || g.i, 'text',
              (case when g.i % 6 = 0 then (select name from first_names where n = (g.i / 6) % ${FIRST_NAMES.length}) || ' ' else '' end)
              || (select string_agg(v.words[1 + floor(power(random(), 2.0) * array_length(v.words, 1) + 0 * k)::int], ' ')
                    from generate_series(1, 3 + (g.i * 7) % 14) k)
              || (case g.i % 8
                    when 1 then ' ' || (1 + floor(random() * 100000))::int
                    when 3 then ' HW-' || (1 + floor(random() * 300000))::int
                    when 5 then ' ' || (select name from last_names where n = (g.i / 8) % ${LAST_NAMES.length})
                    when 7 then ' ' || v.words[1 + floor(random() * array_length(v.words, 1))::int] || substr(md5(g.i::text), 1, 3)
                    else '' end),
              case when g.i % 3 = 0 then 'read' else 'received' end,
              now() - ($2 - g.i) * interval '3 seconds'
         from generate_series(1, $2) g(i)
         join vocabulary v on v.lang = (g.i * 5 + g.i / 7) % ${Object.keys(VOCABULARY).length}
         -- The conversation, drawn once per message: low numbers (busy conversations) more often.
         cross join lateral (select (1 + floor(power(random(), 1.6) * $1) + 0 * g.i)::int as c) pick`,
      [counts.conversations, counts.messages],
    );
    // What autovacuum would do soon after such a load: the planner's statistics and the visibility map.
    await step('analyze', 'vacuum (analyze) conversations, users, messages');
  } finally {
    client.release();
  }
  return took;
}
