import { MessageBar, MessageBarBody, ProgressBar, Text } from '@fluentui/react-components';
import { useState } from 'react';
import { describeFailure, type Failure } from '../api/errors.ts';
import { FailureBar } from './FailureBar.tsx';

/**
 * The state every panel's long work shares: a progress step (with a fraction when known), the
 * failure to show, and the sentence saying what was done. `run` wraps one piece of work.
 */
export function useTask(serverUrl: string) {
  const [progress, setProgress] = useState<{ label: string; value?: number } | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const clear = () => {
    setFailure(null);
    setDone(null);
  };
  return {
    progress,
    failure,
    done,
    busy: progress !== null,
    clear,
    setDone,
    setFailure,
    fail: (error: unknown) => setFailure(describeFailure(error, serverUrl)),
    /** Shows a step; `value` (0..1) when the share done is known. */
    step: (label: string, value?: number) => setProgress({ label, value }),
    /** A progress callback for the workbook port's chunked work. */
    report: (label: string) => (count: number, total: number) => setProgress({ label, value: total ? count / total : undefined }),
    async run(work: () => Promise<void>) {
      clear();
      try {
        await work();
      } catch (error) {
        setFailure(describeFailure(error, serverUrl));
      } finally {
        setProgress(null);
      }
    },
  };
}

export type Task = ReturnType<typeof useTask>;

/** The progress bar while working, then the failure or what was done. */
export function TaskStatus({ task }: { task: Task }) {
  return (
    <>
      {task.progress && (
        <ProgressBar value={task.progress.value} thickness="large" aria-label={task.progress.label} data-testid="progress" />
      )}
      {task.progress && <Text size={200}>{task.progress.label}</Text>}
      <FailureBar failure={task.failure} />
      {task.done && (
        <MessageBar layout="multiline" intent="success" data-testid="done-bar">
          <MessageBarBody>{task.done}</MessageBarBody>
        </MessageBar>
      )}
    </>
  );
}
