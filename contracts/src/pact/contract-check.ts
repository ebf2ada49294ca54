import { eventCatalogs, openApiContracts } from '../../generated/index.ts';
import { listOperations, mediaTypeOf, type JsonSchema, type OpenApiDocument, type OperationEntry } from '../document/openapi-document.ts';
import { createEventValidator } from '../events/event-validator.ts';
import type { EventCatalog } from '../events/event-catalog.ts';
import type { FieldError } from '../problem.ts';
import { createContractAjv } from '../server/ajv.ts';
import { createOperationValidator, type OperationValidator } from '../server/request-validator.ts';
import { decodeBody, type PactFile, type PactInteraction } from './pact-file.ts';
import { providerContracts, type ContractBinding } from './provider-contracts.ts';

/** One interaction that asks for something its provider's contract does not promise. */
export interface ContractFinding {
  consumer: string;
  provider: string;
  interaction: string;
  /** `orders.v1#createOrder`, `events.v1#order.cancelled`, or undefined when nothing matched. */
  operation?: string;
  problems: string[];
}

export interface ContractCheckOptions {
  documents?: Record<string, OpenApiDocument>;
  /** Every AsyncAPI contract's catalogue by contract id; a message is checked against the one that declares it. */
  catalogs?: Record<string, EventCatalog>;
  /** The contracts each provider serves; default from pacts/providers.yaml. */
  bindings?: (provider: string) => ContractBinding[] | undefined;
}

interface CompiledOperation {
  contract: string;
  entry: OperationEntry;
  pattern: RegExp;
  names: string[];
  validator: OperationValidator;
}

/**
 * The pact-vs-contract check (what PactFlow calls bi-directional contract testing), done in the
 * repository: every HTTP request of a pact must be a valid request for the provider's OpenAPI
 * operation, unknown query parameters included; every response must be allowed for the documented
 * status; every message must be allowed for its AsyncAPI message. A consumer may expect less than
 * the contract promises (it asserts only what it uses, so missing required fields are fine), but
 * never a field, status or value the contract does not promise.
 */
export function createContractChecker(options: ContractCheckOptions = {}) {
  const documents = options.documents ?? openApiContracts;
  const catalogs = Object.entries(options.catalogs ?? eventCatalogs);
  const bindingsOf = options.bindings ?? providerContracts();
  const ajv = createContractAjv();
  const validators = new Map(catalogs.map(([id, catalog]) => [id, createEventValidator(catalog)]));
  const compiled = new Map<string, CompiledOperation[]>();

  function operationsOf(binding: ContractBinding): CompiledOperation[] {
    const key = `${binding.contract}@${binding.basePath}`;
    let ops = compiled.get(key);
    if (!ops) {
      const document = documents[binding.contract];
      if (!document) throw new Error(`contract ${binding.contract} is not in contracts/generated; run concord generate`);
      ops = listOperations(document).map((entry) => {
        const names: string[] = [];
        const source = entry.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{([^}]+)\\?\}/g, (_m, name: string) => {
          names.push(name);
          return '([^/]+)';
        });
        return {
          contract: binding.contract,
          entry,
          names,
          pattern: new RegExp(`^${binding.basePath}${source}$`),
          validator: createOperationValidator(entry, ajv),
        };
      });
      compiled.set(key, ops);
    }
    return ops;
  }

  function checkHttp(interaction: PactInteraction, bindings: ContractBinding[]): { operation?: string; problems: string[] } {
    const request = interaction.request!;
    const method = request.method.toLowerCase();
    const path = request.path.split('?')[0]!;
    for (const binding of bindings) {
      for (const op of operationsOf(binding)) {
        if (op.entry.method !== method) continue;
        const match = op.pattern.exec(path);
        if (!match) continue;
        const operation = `${op.contract}#${op.entry.operationId}`;
        const problems: string[] = [];
        const params = Object.fromEntries(op.names.map((n, i) => [n, decodeURIComponent(match[i + 1]!)]));
        const headers = lowerCaseHeaders(request.headers);
        const parameters = op.validator.validateParameters({
          path: params,
          query: request.query ?? {},
          header: (name) => headers[name.toLowerCase()],
        });
        if (!parameters.ok) problems.push(...describe('request', parameters.errors));
        const requestBody = decodeBody(request.body);
        const requestType = mediaTypeOf(headers['content-type'] ?? request.body?.contentType);
        const body = op.validator.validateBody(
          requestBody === undefined ? undefined : requestType,
          requestBody === undefined ? undefined : typeof requestBody === 'string' ? requestBody : JSON.stringify(requestBody),
        );
        if (!body.ok) problems.push(...describe('request', body.errors));
        problems.push(...checkResponse(op, interaction));
        return { operation, problems };
      }
    }
    return {
      problems: [
        `no operation of ${bindings.map((b) => `${b.contract}${b.basePath ? ` (at ${b.basePath})` : ''}`).join(', ')} matches ${request.method} ${path}`,
      ],
    };
  }

  function checkResponse(op: CompiledOperation, interaction: PactInteraction): string[] {
    const response = interaction.response!;
    const documented = op.entry.operation.responses ?? {};
    const key = [String(response.status), `${String(response.status)[0]}XX`, 'default'].find((k) => k in documented);
    if (!key) return [`response status ${response.status} is not documented for ${op.entry.operationId}`];
    const body = decodeBody(response.body);
    if (body === undefined) return [];
    const mediaType = mediaTypeOf(lowerCaseHeaders(response.headers)['content-type'] ?? response.body?.contentType) ?? 'application/json';
    const content = documented[key]!.content ?? {};
    if (!(mediaType in content))
      return [
        `response ${response.status} is not documented as ${mediaType} for ${op.entry.operationId} (documented: ${Object.keys(content).join(', ') || 'no body'})`,
      ];
    const problems = describe('response', op.validator.validateResponse(response.status, mediaType, body).filter(expectedByConsumer));
    problems.push(
      ...undocumentedFields(body, content[mediaType]?.schema, '/body').map((p) => `response ${p} is not documented by the contract`),
    );
    return problems;
  }

  function checkMessage(interaction: PactInteraction): { operation?: string; problems: string[] } {
    const message = decodeBody(interaction.contents) as { type?: unknown } | undefined;
    const type = typeof message?.type === 'string' ? message.type : undefined;
    const declaring = type === undefined ? undefined : catalogs.find(([, catalog]) => type in catalog);
    if (!type || !declaring)
      return {
        problems: [
          `message type ${JSON.stringify(type)} is not an event of any AsyncAPI contract (${catalogs.map(([id]) => id).join(', ') || 'none'})`,
        ],
      };
    const [contract, catalog] = declaring;
    const event = catalog[type]!;
    const problems = describe('message', validators.get(contract)!.validate(type, message).filter(expectedByConsumer));
    problems.push(...undocumentedFields(message, event.schema, '').map((p) => `message ${p} is not documented by the contract`));
    const subject = interaction.metadata?.subject;
    if (subject !== undefined && subject !== event.channel)
      problems.push(`message subject ${JSON.stringify(subject)} is not the channel of ${type} (${event.channel})`);
    return { operation: `${contract}#${type}`, problems };
  }

  return {
    check(pact: PactFile): ContractFinding[] {
      const bindings = bindingsOf(pact.provider) ?? [];
      const findings: ContractFinding[] = [];
      for (const interaction of pact.interactions) {
        const isHttp = interaction.request !== undefined && interaction.response !== undefined;
        if (isHttp && bindings.length === 0) {
          findings.push({
            consumer: pact.consumer,
            provider: pact.provider,
            interaction: interaction.description,
            problems: [`provider ${pact.provider} serves no known OpenAPI contract`],
          });
          continue;
        }
        const result = isHttp ? checkHttp(interaction, bindings) : checkMessage(interaction);
        if (result.problems.length > 0)
          findings.push({
            consumer: pact.consumer,
            provider: pact.provider,
            interaction: interaction.description,
            ...(result.operation ? { operation: result.operation } : {}),
            problems: result.problems,
          });
      }
      return findings;
    },
  };
}

/** A consumer asserts only what it uses: a field it leaves out is no breach of the contract. */
function expectedByConsumer(error: FieldError): boolean {
  return error.message !== 'is required';
}

function describe(where: string, errors: FieldError[]): string[] {
  return errors.map((e) => `${where} ${e.pointer} ${e.message}`);
}

function lowerCaseHeaders(headers: Record<string, string[] | string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

/** Properties an object schema documents, looking through allOf/oneOf/anyOf; undefined when it allows any. */
function documentedProperties(schema: JsonSchema | undefined): { properties: Map<string, JsonSchema[]>; open: boolean } | undefined {
  if (!schema || typeof schema === 'boolean') return undefined;
  const properties = new Map<string, JsonSchema[]>();
  let sawObject = false;
  let open = false;
  const visit = (s: JsonSchema | undefined) => {
    if (!s || typeof s === 'boolean') return;
    if (s.properties && typeof s.properties === 'object') {
      sawObject = true;
      for (const [name, sub] of Object.entries(s.properties as Record<string, JsonSchema>))
        properties.set(name, [...(properties.get(name) ?? []), sub]);
    }
    if (s.additionalProperties !== undefined && s.additionalProperties !== false) open = true;
    for (const key of ['allOf', 'oneOf', 'anyOf'] as const) for (const sub of (s[key] as JsonSchema[] | undefined) ?? []) visit(sub);
  };
  visit(schema);
  return sawObject ? { properties, open } : undefined;
}

/** Fields of `value` that no schema along its path documents: a consumer expecting what was never promised. */
function undocumentedFields(value: unknown, schema: JsonSchema | undefined, pointer: string): string[] {
  if (Array.isArray(value)) {
    const items = schema && typeof schema !== 'boolean' ? (schema.items as JsonSchema | undefined) : undefined;
    return value.flatMap((item, i) => undocumentedFields(item, items, `${pointer}/${i}`));
  }
  if (value === null || typeof value !== 'object') return [];
  const documented = documentedProperties(schema);
  if (!documented) return [];
  const out: string[] = [];
  for (const [name, sub] of Object.entries(value as Record<string, unknown>)) {
    const schemas = documented.properties.get(name);
    if (!schemas) {
      if (!documented.open) out.push(`${pointer}/${name}`);
      continue;
    }
    out.push(...undocumentedFields(sub, schemas.length === 1 ? schemas[0] : { allOf: schemas }, `${pointer}/${name}`));
  }
  return out;
}
