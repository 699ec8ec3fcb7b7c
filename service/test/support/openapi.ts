import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { expect } from 'chai';
import type { Response } from 'supertest';
import document from '../../src/api/openapi.json';

/** The parts of an OpenAPI 3.1 document these checks read. */
interface Header {
  required?: boolean;
}
interface DocumentedResponse {
  headers?: Record<string, Header | Ref>;
  content?: Record<string, { schema: object }>;
}
interface Ref {
  $ref: string;
}

export const OPENAPI: { paths: Record<string, Record<string, { responses: Record<string, DocumentedResponse | Ref> }>> } =
  document as never;

// Formats are annotations here: each one the document uses comes with a pattern that says the same.
const ajv = new Ajv2020({ allErrors: true, validateFormats: false });
// The document's own fields are not schema keywords: known to ajv, they keep strict mode on for the schemas in it.
ajv.addVocabulary(Object.keys(document));
ajv.addSchema(document, 'openapi.json');
const validators = new Map<string, ValidateFunction>();

/** A validator for the schema at `pointer` in the document, so its $refs resolve within the document. */
function validatorAt(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `openapi.json#${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

function escapePointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The object a $ref names (refs point into the document), with the pointer it lives at. */
function resolve<T extends object>(value: T | Ref, pointer: string): [T, string] {
  if (!('$ref' in value)) return [value, pointer];
  const target = value.$ref.slice(1);
  const found = target
    .split('/')
    .slice(1)
    .reduce<unknown>((node, token) => (node as Record<string, unknown>)[token.replaceAll('~1', '/').replaceAll('~0', '~')], document);
  return [found as T, target];
}

function expectValid(validate: ValidateFunction, value: unknown, what: string): void {
  const valid = validate(value);
  expect(valid, `${what}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 500)}`).to.equal(true);
}

/** Checks an answer's headers and body against one documented response (at `pointer`). */
function expectAnswerMatches(res: Response, documented: DocumentedResponse, pointer: string, method: string): void {
  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    const [{ required }, headerPointer] = resolve(header, `${pointer}/headers/${escapePointer(name)}`);
    const value: unknown = res.headers[name];
    if (value === undefined) {
      expect(required, `header ${name} is required`).to.not.equal(true);
      continue;
    }
    expectValid(validatorAt(`${headerPointer}/schema`), value, `header ${name}`);
  }
  const contentType = (res.headers['content-type'] ?? '').split(';')[0] ?? '';
  if (!documented.content || method === 'head') {
    expect(res.text || undefined, 'no body').to.equal(undefined);
    return;
  }
  expect(Object.keys(documented.content), 'content type').to.include(contentType);
  const body: unknown = contentType === 'application/json' ? res.body : res.text;
  expectValid(validatorAt(`${pointer}/content/${escapePointer(contentType)}/schema`), body, 'body');
}

/** Checks that the document gives `method` on `template` this answer's status, and that headers and body match it. */
export function expectDocumentedAnswer(res: Response, method: string, template: string): void {
  const operation = OPENAPI.paths[template]?.[method];
  expect(operation, `${method.toUpperCase()} ${template} in the document`).to.not.equal(undefined);
  const operationPointer = `/paths/${escapePointer(template)}/${method}`;
  const documented = operation?.responses[String(res.status)];
  expect(documented, `status ${res.status} of ${method.toUpperCase()} ${template}`).to.not.equal(undefined);
  const [response, pointer] = resolve(documented as DocumentedResponse | Ref, `${operationPointer}/responses/${res.status}`);
  expectAnswerMatches(res, response, pointer, method);
}

/** Checks an answer against a shared response of the document (components.responses), e.g. MethodNotAllowed. */
export function expectSharedAnswer(res: Response, name: string, method: string): void {
  const pointer = `/components/responses/${name}`;
  const [response] = resolve<DocumentedResponse>({ $ref: `#${pointer}` }, pointer);
  expectAnswerMatches(res, response, pointer, method);
}
