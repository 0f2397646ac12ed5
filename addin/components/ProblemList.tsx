import { Link, makeStyles, tokens } from '@fluentui/react-components';
import type { Problem } from '../api/errors.ts';
import { cellAddress } from '../excel/addresses.ts';
import type { CellRef } from '../excel/port.ts';
import { problemText, type LocateCell } from './problem-marks.ts';

const useStyles = makeStyles({
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalL, maxHeight: '40vh', overflowY: 'auto' },
  item: { marginBottom: tokens.spacingVerticalXS },
});

/** Every problem, each pointing at its cell when it has one; a click selects the cell in the sheet. */
export function ProblemList(props: { problems: Problem[]; locate?: LocateCell; onSelect?: (cell: CellRef) => void }) {
  const styles = useStyles();
  if (props.problems.length === 0) return null;
  return (
    <ol className={styles.list} data-testid="problem-list">
      {props.problems.map((problem, i) => {
        const cell = problem.index !== null ? props.locate?.(problem.index, problem.field) : undefined;
        return (
          <li key={i} className={styles.item}>
            {cell && props.onSelect ? (
              <Link onClick={() => props.onSelect!(cell)}>{cellAddress(cell.row, cell.column)}</Link>
            ) : problem.index !== null ? (
              <span>#{problem.index + 1}</span>
            ) : null}{' '}
            {problemText(problem, props.locate)}
          </li>
        );
      })}
    </ol>
  );
}
