// The answers the stand-in gives, in Xero's shapes: the ApiException of a 400 (ValidationException
// ErrorNumber 10, PostDataInvalidException 14, QueryParseException 16), the problem-details bodies
// of Xero's gateway (401 Unauthorized / 403 Forbidden / 404 / 429 / 503, `"Type": null`), the 500
// UnknownErrorException, and the OAuth errors of the identity endpoint.
import { randomUUID } from 'node:crypto';

export interface Answer {
  status: number;
  /** JSON body; `text` instead for a non-JSON one. */
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Answer {
  return { status, body, ...(headers ? { headers } : {}) };
}

export interface ApiException {
  ErrorNumber: number;
  Type: string;
  Message: string;
  Elements?: unknown[];
}

/** 400 `ValidationException` for a batch, listing the elements that failed (each with its ValidationErrors). */
export function validationException(elements: unknown[]): Answer {
  return json(400, { ErrorNumber: 10, Type: 'ValidationException', Message: 'A validation exception occurred', Elements: elements });
}

/** 400 `ValidationException` with one message (a request the stand-in refuses before looking at elements). */
export function validationMessage(message: string): Answer {
  return json(400, {
    ErrorNumber: 10,
    Type: 'ValidationException',
    Message: message,
    Elements: [{ ValidationErrors: [{ Message: message }] }],
  });
}

/** 400 for a request the spec's schemas refuse; each violation is one ValidationError. */
export function specViolation(violations: string[]): Answer {
  return json(400, {
    ErrorNumber: 10,
    Type: 'ValidationException',
    Message: `A validation exception occurred: the request does not match Xero's OpenAPI (${violations.join('; ')})`,
    Elements: [{ ValidationErrors: violations.map((Message) => ({ Message })) }],
  });
}

export function postDataInvalid(detail: string): Answer {
  return json(400, { ErrorNumber: 14, Type: 'PostDataInvalidException', Message: `JSON request body could not be read, Error: ${detail}` });
}

export function queryParseException(message: string): Answer {
  return json(400, { ErrorNumber: 16, Type: 'QueryParseException', Message: message });
}

/** Xero's gateway answers (401, 403, 404, 429, 503): ASP.NET problem details. */
export function problem(status: number, title: string, detail: string, headers?: Record<string, string>): Answer {
  return json(status, { Type: null, Title: title, Status: status, Detail: detail, Instance: randomUUID(), Extensions: {} }, headers);
}

export function unknownError(): Answer {
  return json(500, {
    ErrorNumber: 500,
    Type: 'UnknownErrorException',
    Message:
      'An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status. Contact the API support team at api@xero.com for more assistance.',
  });
}

export function oauthError(error: string, description?: string, status = 400): Answer {
  return json(status, description ? { error, error_description: description } : { error });
}
