// The OAuth authorisation-code flow's procedures (issue #13), merged into the accounting router.
export const oauthProcedures = {};
