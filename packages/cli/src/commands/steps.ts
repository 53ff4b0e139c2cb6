import { describeStep, didYouMean } from '@oversight/core';
import { CliError, EXIT_OK, EXIT_USAGE } from '../exit.js';
import { styleFor } from '../format/style.js';
import { renderTable } from '../format/table.js';
import { builtinRegistry } from '../registry.js';

export interface StepsOptions {
  json?: boolean;
}

interface JsonSchemaProperty {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  items?: JsonSchemaProperty;
  anyOf?: JsonSchemaProperty[];
}

/** `oversight steps [ID]`: the step catalogue, or one step's manual. */
export async function stepsCommand(id: string | undefined, options: StepsOptions): Promise<number> {
  const registry = builtinRegistry();
  const steps = registry.list().map(describeStep);
  if (id !== undefined) {
    const step = steps.find((candidate) => candidate.id === id);
    if (!step) {
      const suggestion = didYouMean(id, registry.ids());
      throw new CliError(
        `unknown step \`${id}\`; expected one of ${registry.ids().join(', ')}`,
        EXIT_USAGE,
        suggestion ? `did you mean \`${suggestion}\`?` : undefined,
      );
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify(step, null, 2)}\n`);
      return EXIT_OK;
    }
    const style = styleFor(process.stdout);
    const properties = (step.params.properties ?? {}) as Record<string, JsonSchemaProperty>;
    const required = new Set((step.params.required as string[] | undefined) ?? []);
    const lines = [
      `${style.bold(step.id)}  ${style.dim(`(${step.effect})`)}`,
      step.summary,
      '',
      step.description,
      '',
      `${style.bold('reasons')}  ${step.reasons.join(', ') || '–'}`,
      '',
      style.bold('parameters (with:)'),
    ];
    for (const [name, property] of Object.entries(properties)) {
      const flags = [
        typeOf(property),
        required.has(name) ? 'required' : property.default !== undefined ? `default ${JSON.stringify(property.default)}` : 'optional',
      ];
      lines.push(`  ${style.cyan(name)}  ${style.dim(flags.join(' · '))}`);
      if (property.description) lines.push(`      ${property.description}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return EXIT_OK;
  }
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        steps.map(({ description: _description, ...rest }) => rest),
        null,
        2,
      )}\n`,
    );
    return EXIT_OK;
  }
  const style = styleFor(process.stdout);
  process.stdout.write(
    `${renderTable(
      [style.bold('step'), 'effect', 'summary'],
      steps.map((step) => [step.id, step.effect, step.summary]),
    )}\n\n${style.dim('oversight steps ID for parameters and reasons')}\n`,
  );
  return EXIT_OK;
}

function typeOf(property: JsonSchemaProperty): string {
  if (property.enum) return property.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (property.anyOf) return property.anyOf.map(typeOf).join(' | ');
  const type = Array.isArray(property.type) ? property.type.join(' | ') : (property.type ?? 'any');
  if (type === 'array' && property.items) return `list of ${typeOf(property.items)}`;
  const bounds = [
    property.minimum !== undefined ? `≥ ${property.minimum}` : '',
    property.exclusiveMinimum !== undefined ? `> ${property.exclusiveMinimum}` : '',
    property.maximum !== undefined ? `≤ ${property.maximum}` : '',
  ].filter(Boolean);
  return bounds.length > 0 ? `${type} ${bounds.join(' ')}` : type;
}
