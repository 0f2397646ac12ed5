// The sheet picture of the browser tests' screenshots: a fake workbook's sheet read
// (tests/support/sheet-state.ts) and drawn as HTML (tests/support/sheet-grid.ts).
import { describe, expect, it } from 'vitest';
import { createFakeExcel } from '../support/fake-excel.ts';
import { renderSheetGrid } from '../support/sheet-grid.ts';
import { readSheetState } from '../support/sheet-state.ts';

const OK_FILL = '#C6EFCE';
const BAD_FILL = '#FFC7CE';

/** A small count sheet: keys locked, Counted open, a Status column coloured as the add-in colours it. */
async function countSheet() {
  const fake = createFakeExcel({ sheets: ['Sheet1', 'Count'] });
  const { workbook } = fake;
  workbook.setCells('Count', 0, 0, [
    ['SKU', 'Counted', 'Status'],
    ['CAM-1', 5, 'OK'],
    ['<script>', 3, 'Counted 3, expected 4'],
    ['GLUE', true, ''],
  ]);
  await fake.Excel.run(async (context) => {
    const sheet = context.workbook.worksheets.getItem('Count');
    sheet.getRange('A1:C1').format.font.bold = true;
    sheet.getRange('B2:B4').format.protection.locked = false;
    sheet.freezePanes.freezeRows(1);
    const status = sheet.getRange('C2:C4');
    const ok = status.conditionalFormats.add('CellValue');
    ok.cellValue.rule = { formula1: '="OK"', operator: 'EqualTo' };
    ok.cellValue.format.fill.color = OK_FILL;
    ok.cellValue.format.font.color = '#006100';
    const bad = status.conditionalFormats.add('Custom');
    bad.custom.rule.formula = '=AND(C2<>"",C2<>"OK")';
    bad.custom.format.fill.color = BAD_FILL;
    await context.sync();
  });
  workbook.setFill('Count', 2, 1, BAD_FILL);
  workbook.addComment('Count', 2, 1, 'Stocksheet: counted 3 & expected <4>');
  workbook.protect('Count');
  return fake;
}

/** The opening tag and text of one cell of the drawn grid. */
function cell(html: string, address: string): { tag: string; text: string } {
  const match = new RegExp(`<td (data-cell="${address}"[^>]*)><span>([^<]*)</span></td>`).exec(html);
  if (!match) return expect.fail(`no cell ${address} in the grid`);
  return { tag: match[1]!, text: match[2]! };
}

describe('the sheet picture', () => {
  it('shows values, escaped, with numbers right-aligned and booleans as Excel writes them, and no blank rows after them', async () => {
    const state = readSheetState((await countSheet()).workbook, 'Count');
    expect(state.rows.map((row) => row.index)).toEqual([0, 1, 2, 3]);
    const html = renderSheetGrid(state);
    expect(cell(html, 'A3').text).toBe('&lt;script&gt;');
    expect(html).not.toContain('<script>');
    expect(cell(html, 'B2')).toEqual({ tag: expect.stringContaining('class="num"'), text: '5' });
    expect(cell(html, 'B4').text).toBe('TRUE');
    expect(cell(html, 'A1').tag).toContain('font-weight:bold');
    expect(html).toMatch(/<tr class="frozen"><th>1<\/th>/);
  });

  it('colours the Status column by its conditional formats: OK green, a problem red, blank left alone', async () => {
    const html = renderSheetGrid(readSheetState((await countSheet()).workbook, 'Count'));
    expect(cell(html, 'C2').tag).toContain(`background:${OK_FILL};color:#006100`);
    expect(cell(html, 'C3').tag).toContain(`background:${BAD_FILL}`);
    expect(cell(html, 'C4').tag).not.toContain('background');
    expect(html).not.toContain('not evaluated');
  });

  it('marks a cell with a comment and lists the comment under the grid', async () => {
    const html = renderSheetGrid(readSheetState((await countSheet()).workbook, 'Count'));
    expect(cell(html, 'B3').tag).toMatch(/class="[^"]*comment/);
    expect(cell(html, 'B3').tag).toContain(`background:${BAD_FILL}`);
    expect(html).toContain('<li><b>B3</b> comment: Stocksheet: counted 3 &amp; expected &lt;4&gt;</li>');
  });

  it('tints the locked cells of a protected sheet and leaves the open ones white', async () => {
    const fake = await countSheet();
    const html = renderSheetGrid(readSheetState(fake.workbook, 'Count'));
    expect(html).toContain('protected: grey cells are locked');
    expect(cell(html, 'A2').tag).toMatch(/class="[^"]*locked/);
    expect(cell(html, 'B2').tag).not.toContain('locked');
    fake.workbook.protect('Count', false);
    expect(cell(renderSheetGrid(readSheetState(fake.workbook, 'Count')), 'A2').tag).not.toContain('locked');
  });

  it('shows the top rows and each marked row further down with the rows around it, saying what is left out', async () => {
    const fake = await countSheet();
    fake.workbook.setCells(
      'Count',
      4,
      0,
      Array.from({ length: 996 }, (_, i) => [`ROW-${i + 5}`, 1, 'OK']),
    );
    fake.workbook.setFill('Count', 599, 0, BAD_FILL);
    const state = readSheetState(fake.workbook, 'Count');
    expect(state.rows.map((row) => row.index)).toEqual([...Array.from({ length: 20 }, (_, i) => i), 597, 598, 599, 600, 601]);
    expect(state.moreBelow).toBe(true);
    const html = renderSheetGrid(state);
    expect(html).toContain('rows 21 to 597 not shown');
    expect(html).toContain('rows from 603 on not shown');
    expect(cell(html, 'A600')).toEqual({ tag: expect.stringContaining(`background:${BAD_FILL}`), text: 'ROW-600' });
  });

  it('names the sheet, its selection and its tabs, and puts the pane beside it', async () => {
    const fake = await countSheet();
    fake.workbook.select('Count', 'A1:C4');
    const html = renderSheetGrid(readSheetState(fake.workbook, 'Count'), { paneImage: 'data:image/png;base64,AAAA' });
    expect(html).toContain('<span class="namebox">A1:C4</span><b>Count</b>');
    expect(html).toContain('<span>Sheet1</span><span class="active">Count</span>');
    expect(html).toContain('<img class="pane" src="data:image/png;base64,AAAA"');
  });

  it('says which conditional formats it could not evaluate instead of guessing', async () => {
    const fake = await countSheet();
    fake.workbook.protect('Count', false);
    await fake.Excel.run(async (context) => {
      const rule = context.workbook.worksheets.getItem('Count').getRange('A2:A4').conditionalFormats.add('Custom');
      rule.custom.rule.formula = '=COUNTIF($A:$A,A2)>1';
      rule.custom.format.fill.color = '#FFEB9C';
      await context.sync();
    });
    const html = renderSheetGrid(readSheetState(fake.workbook, 'Count'));
    expect(html).toContain('Conditional format not drawn (not evaluated here): A2:A4');
    expect(cell(html, 'A2').tag).not.toContain('#FFEB9C');
  });
});
