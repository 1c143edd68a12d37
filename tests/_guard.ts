/**
 * Imported first by every test file: fails loudly when the launcher meant
 * another runtime than the one running the tests.
 *
 * @module
 */

import process from "node:process";
import { detectRuntime } from "../runtimes/detect.ts";

const expected = process.env.TRUEPAR_EXPECT_RUNTIME;
const actual = detectRuntime();
if (expected !== undefined && expected !== actual) {
  throw new Error(`Cannot run tests: the launcher meant ${expected}, but this is ${actual}`);
}

/** The runtime running these tests. */
export const RUNTIME: string = actual;
