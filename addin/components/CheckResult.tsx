import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { plural } from './plural.ts';
import { ProblemList } from './ProblemList.tsx';
import type { CheckedSubmitHook } from './use-checked-submit.ts';

/**
 * What the last check found: a title, then either `ready` (no problems) or how many to fix, and
 * the problems, each linked to its cell. `children` add to the message (e.g. a per-line summary).
 */
export function CheckResult<C>(props: { entry: CheckedSubmitHook<C>; title: string; ready: string; children?: ReactNode }) {
  const { problems, cells, select } = props.entry;
  return (
    <>
      <MessageBar layout="multiline" intent={problems.length ? 'warning' : 'info'} data-testid="check-result">
        <MessageBarBody>
          <MessageBarTitle>{props.title}</MessageBarTitle>
          {problems.length === 0
            ? props.ready
            : `${plural(problems.length, 'problem')} to fix${cells ? ' (highlighted in the sheet; click one to go to its cell)' : ''}, then check again.`}
          {props.children}
        </MessageBarBody>
      </MessageBar>
      <ProblemList problems={problems} locate={cells?.locate} onSelect={select} />
    </>
  );
}
