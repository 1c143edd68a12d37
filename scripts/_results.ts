/**
 * A result set on disk: results/<timestamp>/ with one JSON record per cell
 * under cells/, each written atomically as it completes, and the plan.
 *
 * @module
 */

import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { EXPERIMENTS } from "../experiments/registry.ts";
import type { Cell } from "./_matrix.ts";
import type { HostInfo } from "../core/adapter.ts";

/** The schemas a result set may hold: one per experiment. */
export const KNOWN_SCHEMAS: readonly string[] = EXPERIMENTS.map((experiment) => experiment.schema);

/** A record as read back: the fields every record has, the rest untyped. */
export interface AnyRecord {
  schema: string;
  runtime: { name: string; version: string; engine: string };
  host: HostInfo;
  [field: string]: unknown;
}

/** A cell, one round of it, and its record. */
export interface CellResult {
  cell: Omit<Cell, "command" | "everyRound">;
  /** The matrix's round that measured it, from 1. */
  round: number;
  record: AnyRecord;
}

/** What `plan.json` holds. */
export interface Plan {
  schema: "truepar.compare/1";
  profile: string;
  seed: number;
  /** Rounds over the matrix. */
  rounds: number;
  startedAt: string;
  order: string[];
  cells: Omit<Cell, "command" | "everyRound">[];
}

/** A file that is not a truepar record, or a folder that is not a result set. */
export class ResultSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ResultSetError";
  }
}

/**
 * Writes a file atomically: a temporary file, then a rename, so an
 * interrupted run never leaves half a record.
 *
 * @param file The destination.
 * @param text The contents.
 */
export function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/**
 * Checks that parsed JSON is a truepar record this version reads.
 *
 * @param value The parsed JSON.
 * @param source Where it came from, for the message.
 * @returns The record.
 * @throws {ResultSetError} When it is not one.
 */
export function checkRecord(value: unknown, source: string): AnyRecord {
  const schema = (value as { schema?: unknown } | null)?.schema;
  if (typeof schema !== "string" || !schema.startsWith("truepar.")) {
    throw new ResultSetError(`Cannot read ${source}: not a truepar record (no "schema": "truepar.…")`);
  }
  if (!KNOWN_SCHEMAS.includes(schema)) {
    throw new ResultSetError(
      `Cannot read ${source}: schema "${schema}" is not one this version reads (${KNOWN_SCHEMAS.join(", ")})`,
    );
  }
  return value as AnyRecord;
}

/**
 * Reads a result set: its plan, and the record of every finished cell.
 *
 * @param dir A folder written by `npm start`.
 * @returns The plan and the cells that finished.
 * @throws {ResultSetError} When the folder or a file in it is not what it should be.
 */
export function readResultSet(dir: string): { plan: Plan; cells: CellResult[] } {
  const planFile = path.join(dir, "plan.json");
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ResultSetError(`Cannot read ${dir}: not a folder`);
  }
  if (!existsSync(planFile)) throw new ResultSetError(`Cannot read ${dir}: no plan.json, so not a truepar result set`);
  const plan = parse(planFile) as Plan;
  if (plan?.schema !== "truepar.compare/1") {
    throw new ResultSetError(`Cannot read ${planFile}: schema "${String(plan?.schema)}" is not "truepar.compare/1"`);
  }
  const byKey = new Map(plan.cells.map((cell) => [cell.key, cell]));
  const cellsDir = path.join(dir, "cells");
  const files = existsSync(cellsDir) ? readdirSync(cellsDir).filter((f) => f.endsWith(".json")).sort() : [];
  const cells = files.map((file) => {
    const [key = "", round = "1"] = file.slice(0, -5).split("@");
    const cell = byKey.get(key);
    if (cell === undefined) {
      throw new ResultSetError(`Cannot read ${path.join(cellsDir, file)}: no cell "${key}" in plan.json`);
    }
    return {
      cell,
      round: Number(round),
      record: checkRecord(parse(path.join(cellsDir, file)), path.join(cellsDir, file)),
    };
  });
  return { plan, cells };
}

function parse(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ResultSetError(`Cannot read ${file}: ${(error as Error).message}`);
  }
}
