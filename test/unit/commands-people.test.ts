import { describe, expect, it } from 'vitest';
import { parseCommand, type CommandContext, type CommandResult, type Person } from '../../shared/commands';

const PEOPLE: Person[] = [
  { id: 'ann', name: 'Ann Lee', email: 'ann@x.com', handle: 'ann' },
  { id: 'anna', name: 'Anna Smith', handle: 'asmith' },
  { id: 'bob', name: 'Bob Stone', handle: 'bob' },
  { id: 'eve', name: 'Eve Adams', email: 'eve@x.com' },
  { id: 'ivan', name: 'Иван Петров', handle: 'ivan' },
  { id: 'ivan2', name: 'Иван Сидоров', handle: 'sidorov' },
  { id: 'maria', name: 'Мария Иванова', email: 'm.ivanova@x.ru' },
  { id: 'olga', name: 'Ольга Петрова' },
  { id: 'alex1', name: 'Alex Kim', handle: 'akim' },
  { id: 'alex2', name: 'Alex Park' },
  { id: 'ilya', name: 'Илья Соколов' },
  { id: 'igor', name: 'Игорь Ёлкин' },
];
const ctx = (over: Partial<CommandContext> = {}): CommandContext => ({
  now: new Date('2026-11-25T07:00:00Z'),
  timeZone: 'Europe/Moscow',
  locale: 'ru',
  people: PEOPLE,
  stages: ['new', 'переговоры', 'won', 'Коммерческое предложение'],
  defaultCurrency: 'RUB',
  ...over,
});
const codes = (r: CommandResult): string[] => (r.ok ? (r.confident ? [] : r.problems.map((p) => p.code)) : r.problems.map((p) => p.code));
const titleOf = (r: CommandResult): string => (r.ok ? r.draft.title : '<failed>');
const responsible = (r: CommandResult): string | undefined => (r.ok ? r.draft.responsibleId : undefined);
const participants = (r: CommandResult): string[] | undefined =>
  r.ok && (r.draft.kind === 'task' || r.draft.kind === 'call') ? r.draft.participantIds : undefined;
const options = (r: CommandResult): string[] | undefined => (r.ok && !r.confident ? r.problems[0].options?.map((o) => o.value) : undefined);

describe('@responsible', () => {
  const rows: [mention: string, id: string | undefined, problems?: string[]][] = [
    ['@ann', 'ann'],
    ['@ANN', 'ann'],
    ['@Ann', 'ann'],
    ['@ann,', 'ann'],
    ['@Ann_Lee', 'ann'],
    ['@ann_lee', 'ann'],
    ['@Lee_Ann', 'ann'],
    ['@"Ann Lee"', 'ann'],
    ['@«Ann Lee»', 'ann'],
    ['@“Ann Lee”', 'ann'],
    ['@"ann lee"', 'ann'],
    ['@Ann Lee', 'ann'],
    ['@ann@x.com', 'ann'],
    ['@ANN@X.COM', 'ann'],
    ['@eve', 'eve'],
    ['@Eve', 'eve'],
    ['@eve@x.com', 'eve'],
    ['@Adams', 'eve'],
    ['@anna', 'anna'],
    ['@asmith', 'anna'],
    ['@Smith', 'anna'],
    ['@bob', 'bob'],
    ['@Stone', 'bob'],
    ['@ivan', 'ivan'],
    ['@sidorov', 'ivan2'],
    ['@m.ivanova', 'maria'],
    ['@Иван_Петров', 'ivan'],
    ['@"Иван Петров"', 'ivan'],
    ['@"петров иван"', 'ivan'],
    ['@Иван Сидоров', 'ivan2'],
    ['@Петров', 'ivan'],
    ['@петров', 'ivan'],
    ['@ПЕТРОВ', 'ivan'],
    ['@Сидоров', 'ivan2'],
    ['@Петрова', 'olga'],
    ['@Ольга', 'olga'],
    ['@ольге', 'olga'],
    ['@Ольгу', 'olga'],
    ['@Мария', 'maria'],
    ['@Марии', 'maria'],
    ['@Марию', 'maria'],
    ['@Ивановой', 'maria'],
    ['@Сидорову', 'ivan2'],
    ['@Илья', 'ilya'],
    ['@Ильей', 'ilya'],
    ['@Ильёй', 'ilya'],
    ['@Соколову', 'ilya'],
    ['@Игорь', 'igor'],
    ['@Игорю', 'igor'],
    ['@Ёлкин', 'igor'],
    ['@Елкин', 'igor'],
    ['@akim', 'alex1'],
    ['@Alex Kim', 'alex1'],
    ['@alex park', 'alex2'],
    ['@Alex_Park', 'alex2'],
    // Never a guess: several people fit.
    ['@alex', undefined, ['ambiguous_person']],
    ['@Иван', undefined, ['ambiguous_person']],
    ['@иван', undefined, ['ambiguous_person']],
    ['@Ивану', undefined, ['ambiguous_person']],
    // No one fits.
    ['@nobody', undefined, ['unknown_person']],
    ['@Annie', undefined, ['unknown_person']],
    ['@Пётр', undefined, ['unknown_person']],
    ['@"Ann Smith"', undefined, ['unknown_person']],
    // An unclosed quote is an ordinary character: the name still counts.
    ['@"Bob', 'bob'],
    ['@«Ольга', 'olga'],
  ];
  it.each(rows)('%s', (mention, id, problems = []) => {
    const r = parseCommand(`/задача Отчёт ${mention}`, ctx());
    expect(titleOf(r)).toBe('Отчёт');
    expect(responsible(r)).toBe(id);
    expect(codes(r)).toEqual(problems);
  });

  it('offers the people an ambiguous mention fits', () => {
    expect(options(parseCommand('/task x @alex', ctx()))).toEqual(['alex1', 'alex2']);
    expect(options(parseCommand('/задача x @Иван', ctx()))).toEqual(['ivan', 'ivan2']);
  });
  it('suggests close names for an unknown one', () => {
    expect(options(parseCommand('/task x @anm', ctx()))).toContain('ann');
    expect(options(parseCommand('/task x @bbo', ctx()))).toEqual(['bob']);
    expect(options(parseCommand('/задача x @Петро', ctx()))).toEqual(expect.arrayContaining(['ivan', 'olga']));
    expect(options(parseCommand('/task x @zzzzzz', ctx()))).toBeUndefined();
  });
  it('prefers a handle to a name (no ambiguity when a handle fits)', () => {
    const people: Person[] = [
      { id: 'a', name: 'Kim Ray', handle: 'kim' },
      { id: 'b', name: 'Kim Lo' },
    ];
    expect(responsible(parseCommand('/task x @kim', ctx({ people })))).toBe('a');
    expect(codes(parseCommand('/task x @Kim_Lo', ctx({ people })))).toEqual([]);
  });
  it('treats two people with the same full name as ambiguous', () => {
    const people: Person[] = [
      { id: 'a', name: 'Ann Lee' },
      { id: 'b', name: 'Ann Lee' },
    ];
    const r = parseCommand('/task x @"Ann Lee"', ctx({ people }));
    expect(codes(r)).toEqual(['ambiguous_person']);
    expect(options(r)).toEqual(['a', 'b']);
  });
  it('keeps the words after a single name in the title when they are not a surname', () => {
    const r = parseCommand('/task @ann review the contract', ctx());
    expect(responsible(r)).toBe('ann');
    expect(titleOf(r)).toBe('review the contract');
  });
  it('flags a second responsible and keeps the first', () => {
    const input = '/task x @ann @bob';
    const r = parseCommand(input, ctx());
    expect(responsible(r)).toBe('ann');
    expect(codes(r)).toEqual(['conflicting']);
    expect(r.ok && !r.confident && input.slice(...r.problems[0].span)).toBe('@bob');
  });
  it('does not mind the same responsible twice', () => {
    expect(codes(parseCommand('/task x @ann @Ann_Lee', ctx()))).toEqual([]);
  });
  it('marks the span of an unknown person', () => {
    const input = '/task Report @nobody tomorrow';
    const r = parseCommand(input, ctx());
    expect(r.ok && !r.confident && r.problems[0].span).toEqual([13, 20]);
    expect(input.slice(13, 20)).toBe('@nobody');
  });
  it('leaves a lone @ and an e-mail without @ in a task title', () => {
    expect(titleOf(parseCommand('/task meet @ the office', ctx()))).toBe('meet @ the office');
    expect(titleOf(parseCommand('/task write to ann@x.com', ctx()))).toBe('write to ann@x.com');
  });
  it('names the responsible in every command', () => {
    for (const c of ['/task', '/deal', '/lead', '/contact', '/company', '/call']) {
      expect(responsible(parseCommand(`${c} Acme @bob`, ctx()))).toBe('bob');
    }
  });
  it('works with an empty directory', () => {
    expect(codes(parseCommand('/task x @ann', ctx({ people: [] })))).toEqual(['unknown_person']);
  });
});

describe('+participants', () => {
  const rows: [input: string, ids: string[], problems?: string[]][] = [
    ['/task x +bob', ['bob']],
    ['/task x +bob +eve', ['bob', 'eve']],
    ['/task x +bob +eve +ann', ['bob', 'eve', 'ann']],
    ['/task x +bob +bob', ['bob']],
    ['/task x +bob +Bob_Stone', ['bob']],
    ['/task x @ann +ann +bob', ['bob']],
    ['/задача x +Ольга +Марии', ['olga', 'maria']],
    ['/задача x +"Иван Сидоров"', ['ivan2']],
    ['/task x +nobody +bob', ['bob'], ['unknown_person']],
    ['/task x +alex', [], ['ambiguous_person']],
    ['/call Acme +bob +eve', ['bob', 'eve']],
  ];
  it.each(rows)('%s', (input, ids, problems = []) => {
    const r = parseCommand(input, ctx());
    expect(participants(r)).toEqual(ids);
    expect(codes(r)).toEqual(problems);
    expect(titleOf(r)).toBe(input.startsWith('/call') ? 'Acme' : 'x');
  });
  it('does not take participants in a deal, lead, contact or company', () => {
    for (const c of ['/deal', '/lead', '/contact', '/company']) {
      const r = parseCommand(`${c} Acme +bob`, ctx());
      expect(codes(r)).toEqual(['unsupported']);
      expect(titleOf(r)).toBe('Acme');
    }
  });
  it('leaves "+1" and a lone "+" in a task title', () => {
    expect(titleOf(parseCommand('/task +1 to this', ctx()))).toBe('+1 to this');
    expect(titleOf(parseCommand('/task a + b', ctx()))).toBe('a + b');
  });
});

describe('#stage', () => {
  const rows: [input: string, stage: string | undefined, problems?: string[]][] = [
    ['#переговоры', 'переговоры'],
    ['#Переговоры', 'переговоры'],
    ['#ПЕРЕГОВОРЫ', 'переговоры'],
    ['#won', 'won'],
    ['#Won', 'won'],
    ['#NEW', 'new'],
    ['#"коммерческое предложение"', 'Коммерческое предложение'],
    ['#коммерческое_предложение', 'Коммерческое предложение'],
    ['#Коммерческое-предложение', 'Коммерческое предложение'],
    ['#«Коммерческое предложение»', 'Коммерческое предложение'],
    ['#переговры', undefined, ['unknown_stage']],
    ['#lost', undefined, ['unknown_stage']],
    ['#won #new', 'won', ['conflicting']],
    ['#won #won', 'won'],
  ];
  it.each(rows)('%s', (tag, stage, problems = []) => {
    const r = parseCommand(`/сделка Поставка ${tag}`, ctx());
    expect(titleOf(r)).toBe('Поставка');
    expect(r.ok && r.draft.kind === 'deal' ? r.draft.stage : 'x').toBe(stage);
    expect(codes(r)).toEqual(problems);
  });
  it('suggests stages', () => {
    expect(options(parseCommand('/deal x #переговры', ctx()))).toEqual(['переговоры']);
    expect(options(parseCommand('/deal x #wo', ctx()))).toEqual(['won']);
  });
  it('takes any stage when none are known', () => {
    const r = parseCommand('/deal x #Pilot_phase', ctx({ stages: undefined }));
    expect(r.ok && r.draft.kind === 'deal' && r.draft.stage).toBe('Pilot phase');
    expect(codes(r)).toEqual([]);
  });
  it('leaves hashtags and numbers in the title where a stage does not apply', () => {
    expect(titleOf(parseCommand('/task fix #bug', ctx()))).toBe('fix #bug');
    expect(titleOf(parseCommand('/deal Order #42', ctx()))).toBe('Order #42');
  });
});
