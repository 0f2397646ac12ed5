// MYOB's answers. Every API error carries the envelope
//   {"Errors":[{"Name","Message","AdditionalDetails","ErrorCode","Severity","LearnMore"}],"Information":"…"}
// (https://developer.myob.com/api/myob-business-api/api-overview/error-messages; the Information line as
// in https://apisupport.myob.com/hc/en-us/articles/6216752181519-AccountNotValid). The token endpoint
// answers OAuth errors as `{"error":"invalid_grant"}`.

export interface Answer {
  status: number;
  /** JSON body; `text` instead for a non-JSON one; neither for an empty body. */
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export interface MyobError {
  Name: string;
  Message: string;
  AdditionalDetails: string;
  ErrorCode: number | null;
  Severity: 'Error';
  LearnMore: string | null;
}

/**
 * ErrorCodes MYOB documents (error-messages page above, and the error-codes page
 * https://developer.myob.com/api/accountright/api-overview/error-codes); 31001 is the code clients
 * check for OAuthTokenIsInvalid (secondary: seen in third-party clients). Every other name the
 * stand-in gives has ErrorCode null.
 */
export const ERROR_CODES: Record<string, number> = {
  SerializationError: 50,
  Required: 100,
  NotFound: 150,
  TransactionsCannotBeDeleted: 25003,
  DatePriorToBeginningOfFinancialYear: 25008,
  OAuthTokenIsInvalid: 31001,
};

const INFORMATION = 'Warning, error messages have not been finalised in this release and may change';

export function json(status: number, body: unknown, headers?: Record<string, string>): Answer {
  return { status, body, ...(headers ? { headers } : {}) };
}

export function myobError(name: string, message: string, details = ''): MyobError {
  return {
    Name: name,
    Message: message,
    AdditionalDetails: details,
    ErrorCode: ERROR_CODES[name] ?? null,
    Severity: 'Error',
    LearnMore: null,
  };
}

export function errorsAnswer(status: number, errors: MyobError[]): Answer {
  return json(status, { Errors: errors, Information: INFORMATION });
}

export function errorAnswer(status: number, name: string, message: string, details = ''): Answer {
  return errorsAnswer(status, [myobError(name, message, details)]);
}

export function oauthError(error: string, status = 400): Answer {
  return json(status, { error });
}
