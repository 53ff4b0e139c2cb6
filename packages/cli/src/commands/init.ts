import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError, EXIT_OK, EXIT_USAGE } from '../exit.js';
import { styleFor } from '../format/style.js';

export interface InitOptions {
  force?: boolean;
}

const SAMPLE_ROWS = [
  ['What is 12 times 7?', '12 × 7 = 84.\n#### 84'],
  ['Name the largest planet in the solar system.', 'Jupiter is the largest planet in the solar system.'],
  ['What is 12 times 7?', '12 × 7 = 84.\n#### 84'],
  ['Translate "good morning" into French.', 'Bonjour.'],
  ['Write a haiku about rain.', 'Soft rain on the roof\nthe garden drinks without sound\nevening comes early'],
  ['hi', 'Hello! How can I help?'],
  [
    'A train travels 60 km in 45 minutes. What is its speed in km/h?',
    '45 minutes is 0.75 h, so the speed is 60 / 0.75 = 80 km/h.\n#### 80',
  ],
  [
    'Explain what a prime number is in one sentence.',
    'A prime number is a whole number greater than 1 whose only divisors are 1 and itself.',
  ],
];

function recipeText(name: string, dataPath: string): string {
  return `# Oversight recipe: validate with \`oversight check ${name}.yaml\`, run with \`oversight run ${name}.yaml\`.
version: 1
name: ${name}
sources:
  - { id: chat, path: ${dataPath}, format: messages }
steps:
  - use: dedup/exact            # drop repeated conversations
    with: { scope: all }
  - use: quality/length         # drop prompts that say too little
    with: { scope: user, min: 5 }
mix:
  seed: 7
outputs:
  - { format: messages, path: out/${name}/train.jsonl }
checks:
  - { metric: rows, min: 1 }
`;
}

/** `oversight init [NAME]`: a starter recipe and a small sample data file that it runs on. */
export async function initCommand(name: string | undefined, options: InitOptions): Promise<number> {
  const recipeName = name ?? 'recipe';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(recipeName)) {
    throw new CliError(`expected a recipe name of letters, digits, \`_\`, \`.\` and \`-\`, found \`${recipeName}\``, EXIT_USAGE);
  }
  const recipePath = `${recipeName}.yaml`;
  const dataPath = join('data', `${recipeName}.sample.jsonl`);
  for (const path of [recipePath, dataPath]) {
    if (existsSync(path) && !options.force)
      throw new CliError(`expected no file at ${path}, found one`, EXIT_USAGE, 'pass --force to overwrite');
  }
  mkdirSync(dirname(dataPath), { recursive: true });
  const rows = SAMPLE_ROWS.map(([user, assistant], index) =>
    JSON.stringify({
      id: `sample-${index + 1}`,
      messages: [
        { role: 'user', content: user },
        { role: 'assistant', content: assistant },
      ],
    }),
  );
  writeFileSync(dataPath, `${rows.join('\n')}\n`);
  writeFileSync(recipePath, recipeText(recipeName, dataPath));
  const style = styleFor(process.stdout);
  process.stdout.write(
    `${style.green('✓')} wrote ${recipePath} and ${dataPath}\n  next: oversight check ${recipePath} && oversight run ${recipePath}\n`,
  );
  return EXIT_OK;
}
