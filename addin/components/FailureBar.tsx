import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { Failure } from '../api/errors.ts';

/** A failed call, said in a Fluent MessageBar: what happened and what to do. */
export function FailureBar({ failure }: { failure: Failure | null }) {
  if (!failure) return null;
  return (
    <MessageBar layout="multiline" intent="error" data-testid="failure-bar">
      <MessageBarBody>
        <MessageBarTitle>{failure.title}</MessageBarTitle>
        {failure.message}
      </MessageBarBody>
    </MessageBar>
  );
}
