#!/usr/bin/env node
/**
 * Judges newman JSON reports against test/conformance/newman-waivers.json: every failure (a failed
 * assertion, or a script/request error) must match a waiver by collection name, request name and
 * assertion name, or the run fails. Waivers that no longer match anything are reported as stale, so
 * the list shrinks as the bridge improves. Plain Node (no build step): scripts/conformance.sh runs it.
 *
 *   node test/conformance/check-newman-report.js WAIVERS.json REPORT.json [REPORT.json …]
 */
"use strict";
const fs = require("node:fs");

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** Every failure in one report, as {collection, request, assertion, message}. */
function failuresOf(report) {
  const collection = report.collection?.info?.name ?? "(unnamed collection)";
  return (report.run?.failures ?? []).map((failure) => ({
    collection,
    request: failure.source?.name ?? "(collection)",
    assertion: failure.error?.test ?? `${failure.error?.name ?? "Error"} (${failure.at ?? "request"})`,
    message: failure.error?.message ?? "",
  }));
}

function matches(waiver, failure) {
  return waiver.collection === failure.collection && waiver.request === failure.request && waiver.assertion === failure.assertion;
}

function main(argv) {
  const [waiversFile, ...reportFiles] = argv;
  if (!waiversFile || reportFiles.length === 0) {
    console.error("usage: check-newman-report.js WAIVERS.json REPORT.json [REPORT.json …]");
    return 2;
  }
  const waivers = readJson(waiversFile).waivers;
  for (const waiver of waivers) {
    if (!waiver.collection || !waiver.request || !waiver.assertion || !waiver.reason) {
      console.error(`conformance: waiver without collection, request, assertion and reason: ${JSON.stringify(waiver)}`);
      return 2;
    }
  }
  const used = new Set();
  const unwaived = [];
  const lines = [];
  let totalAssertions = 0;
  let failedAssertions = 0;
  let waivedCount = 0;
  for (const file of reportFiles) {
    const report = readJson(file);
    const stats = report.run?.stats ?? {};
    const failures = failuresOf(report);
    let waivedHere = 0;
    for (const failure of failures) {
      const index = waivers.findIndex((waiver) => matches(waiver, failure));
      if (index >= 0) {
        used.add(index);
        waivedHere++;
      } else {
        unwaived.push(failure);
      }
    }
    const total = stats.assertions?.total ?? 0;
    const failed = stats.assertions?.failed ?? 0;
    totalAssertions += total;
    failedAssertions += failed;
    waivedCount += waivedHere;
    lines.push(
      `${report.collection?.info?.name ?? "(unnamed collection)"}: ${stats.requests?.total ?? 0} requests, ` +
        `${total - failed}/${total} assertions passed, ${failures.length} failures (${waivedHere} waived)`,
    );
  }
  for (const line of lines) console.log(`conformance: ${line}`);
  waivers.forEach((waiver, index) => {
    if (!used.has(index)) console.log(`conformance: stale waiver (nothing failed): ${waiver.collection} / ${waiver.request} / ${waiver.assertion}`);
  });
  for (const failure of unwaived) {
    console.log(`conformance: UNWAIVED ${failure.collection} / ${failure.request} / ${failure.assertion}: ${failure.message}`);
  }
  const verdict = unwaived.length === 0 ? "PASS" : "FAIL";
  console.log(
    `conformance ${verdict}: ${totalAssertions - failedAssertions}/${totalAssertions} assertions passed, ` +
      `${waivedCount} failures waived, ${unwaived.length} unwaived`,
  );
  return unwaived.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
