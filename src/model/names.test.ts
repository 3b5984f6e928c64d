import { expect, test } from "bun:test";
import { isDns1035Label, isDns1123Label, isDns1123Subdomain, isQualifiedName, isValidLabelValue, isValidPathSegmentName, regexError } from "./names.ts";

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const QNAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

test.each([
  ["web", []],
  ["a.b-c.d", []],
  ["0", []],
  ["Web", [SUBDOMAIN_MSG]],
  ["-web", [SUBDOMAIN_MSG]],
  ["a..b", [SUBDOMAIN_MSG]],
  ["", [SUBDOMAIN_MSG]],
  ["a".repeat(253), []],
  ["a".repeat(254), ["must be no more than 253 characters"]],
])("isDns1123Subdomain(%p)", (v, want) => {
  expect(isDns1123Subdomain(v)).toEqual(want);
});

test.each([
  ["web-1", []],
  ["1web", []],
  ["a.b", ["must not contain dots"]],
  ["web_1", [LABEL_MSG]],
  ["web-", [LABEL_MSG]],
  ["a".repeat(64), ["must be no more than 63 characters"]],
  ["A".repeat(64), ["must be no more than 63 characters", LABEL_MSG]],
])("isDns1123Label(%p)", (v, want) => {
  expect(isDns1123Label(v)).toEqual(want);
});

test.each([
  ["web", []],
  ["1web", [DNS1035_MSG]],
  ["a.b", [DNS1035_MSG]],
  ["a".repeat(64), ["must be no more than 63 characters"]],
])("isDns1035Label(%p)", (v, want) => {
  expect(isDns1035Label(v)).toEqual(want);
});

test.each([
  ["app", []],
  ["App_Name.v1", []],
  ["example.com/team", []],
  ["kubernetes.io/metadata.name", []],
  ["", ["name part must be non-empty", `name part ${QNAME_MSG}`]],
  ["example.com/", ["name part must be non-empty", `name part ${QNAME_MSG}`]],
  ["/team", ["prefix part must be non-empty"]],
  ["Example.com/team", [`prefix part ${SUBDOMAIN_MSG}`]],
  ["has space", [`name part ${QNAME_MSG}`]],
  ["a".repeat(64), ["name part must be no more than 63 characters"]],
  ["a/b/c", [`a qualified name ${QNAME_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`]],
])("isQualifiedName(%p)", (v, want) => {
  expect(isQualifiedName(v)).toEqual(want);
});

test.each([
  ["", []],
  ["v1.2_x-y", []],
  ["-x", [VALUE_MSG]],
  ["has space", [VALUE_MSG]],
  ["a".repeat(64), ["must be no more than 63 characters"]],
])("isValidLabelValue(%p)", (v, want) => {
  expect(isValidLabelValue(v)).toEqual(want);
});

test.each([
  ["Any Name:ok", []],
  [".", ["may not be '.'"]],
  ["..", ["may not be '..'"]],
  ["a/b%c", ["may not contain '/'", "may not contain '%'"]],
])("isValidPathSegmentName(%p)", (v, want) => {
  expect(isValidPathSegmentName(v)).toEqual(want);
});

test("regexError without examples", () => {
  expect(regexError("bad", "x+")).toBe("bad (regex used for validation is 'x+')");
});
