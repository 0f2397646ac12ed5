// Worksheet custom properties on Office.js: metadata kept with a sheet.

import { withOwnProtectionLifted } from './office-protection.ts';
import type { SheetProperties } from './port.ts';

export function officeSheetProperties(): SheetProperties {
  return {
    async sheetsWithProperty(key) {
      return Excel.run(async (context) => {
        const worksheets = context.workbook.worksheets.load('items/name');
        await context.sync();
        const properties = worksheets.items.map((worksheet) => worksheet.customProperties.getItemOrNullObject(key).load('value'));
        await context.sync();
        return worksheets.items.flatMap((worksheet, i) => {
          const property = properties[i]!;
          return property.isNullObject ? [] : [{ sheet: worksheet.name, value: property.value }];
        });
      });
    },

    async getSheetProperty(sheet, key) {
      return Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.getItemOrNullObject(sheet);
        await context.sync();
        if (worksheet.isNullObject) return null;
        const property = worksheet.customProperties.getItemOrNullObject(key).load('value');
        await context.sync();
        return property.isNullObject ? null : property.value;
      });
    },

    async setSheetProperty(sheet, key, value) {
      if (key.length === 0 || key.length > 255) throw new Error(`A sheet property key must be 1 to 255 characters, not ${key.length}.`);
      await Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.getItemOrNullObject(sheet);
        await context.sync();
        if (worksheet.isNullObject) throw new Error(`There is no sheet named "${sheet}" in this workbook.`);
        // A protected sheet refuses the property: the add-in's own protection is lifted meanwhile.
        await withOwnProtectionLifted(context, worksheet, async () => {
          worksheet.customProperties.add(key, value);
          await context.sync();
        });
      });
    },
  };
}
