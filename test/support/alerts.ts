/**
 * Reads an alert or notice the functions publish with SNS's per-protocol message structure (`MessageStructure:
 * "json"`): `email` is what the on-call reads by e-mail, `default` the AWS Chatbot custom notification Slack shows.
 */
import { expect } from "chai";

export interface PublishedAlert {
  /** The e-mail body. */
  readonly email: string;
  /** The Chatbot custom notification document. */
  readonly chatbot: { version: string; source: string; content: { title: string; description: string; keywords?: string[] } };
}

/** Splits a published message; fails the test unless it is a per-protocol JSON message with both parts. */
export function readAlert(input: { MessageStructure?: string; Message?: string }): PublishedAlert {
  expect(input.MessageStructure, "published with MessageStructure json").to.equal("json");
  const parts = JSON.parse(input.Message ?? "") as { default?: unknown; email?: unknown };
  expect(parts.default, "default (Chatbot) part").to.be.a("string");
  expect(parts.email, "email part").to.be.a("string");
  return { email: parts.email as string, chatbot: JSON.parse(parts.default as string) };
}

/** The details of an alert, parsed from its e-mail body (indented JSON). */
export function alertDetails(input: { MessageStructure?: string; Message?: string }): Record<string, unknown> {
  return JSON.parse(readAlert(input).email) as Record<string, unknown>;
}
