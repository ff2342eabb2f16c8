//===- tests/frontend/DiagnosticsTest.cpp - Rendering errors ---------------===//
//
// Diagnostic::render(): "file:line:col: error: message", the source line
// indented by four spaces, and a caret line with tildes under the rest of
// the span; tabs kept so the caret lines up, columns counted in characters
// (spans hold CPython's UTF-8 byte offsets), notes after the error.
//
//===----------------------------------------------------------------------===//
#include "frontend/Diagnostics.h"

#include <gtest/gtest.h>

#include <memory>

using namespace ptxforge::frontend;

namespace {

Diagnostic at(const SourceFile &file, int line, int col, int endCol, std::string message) {
  Diagnostic d;
  d.span = {&file, line, col, line, endCol};
  d.message = std::move(message);
  return d;
}

TEST(SourceFile, SplitsLinesAndDropsCarriageReturns) {
  SourceFile f("k.py", "def f(x):\r\n    pass\r\n\nlast");
  ASSERT_EQ(f.lines.size(), 4u);
  EXPECT_EQ(f.line(1), "def f(x):");
  EXPECT_EQ(f.line(2), "    pass");
  EXPECT_EQ(f.line(3), "");
  EXPECT_EQ(f.line(4), "last");
  EXPECT_EQ(f.line(0), "");
  EXPECT_EQ(f.line(5), "");
}

TEST(Diagnostic, SingleCharacterSpanGetsACaretOnly) {
  SourceFile f("/src/kernels.py", "def f(out):\n    out[0] = y\n");
  Diagnostic d = at(f, 2, 13, 14, "name 'y' is not defined");
  EXPECT_EQ(d.render(), "/src/kernels.py:2:14: error: name 'y' is not defined\n"
                        "        out[0] = y\n"
                        "                 ^");
  EXPECT_EQ(d.column(), 14);
}

TEST(Diagnostic, LongerSpanGetsTildesUnderTheRest) {
  SourceFile f("k.py", "def f(out):\n    out[0] = a_name + 1\n");
  Diagnostic d = at(f, 2, 13, 23, "bad");
  EXPECT_EQ(d.render(), "k.py:2:14: error: bad\n"
                        "        out[0] = a_name + 1\n"
                        "                 ^~~~~~~~~~");
}

TEST(Diagnostic, TabsAreKeptInTheCaretLine) {
  SourceFile f("k.py", "def f(x):\n\tx[0] = yy\n");
  Diagnostic d = at(f, 2, 8, 10, "name 'yy' is not defined");
  EXPECT_EQ(d.render(), "k.py:2:9: error: name 'yy' is not defined\n"
                        "    \tx[0] = yy\n"
                        "    \t       ^~");
}

TEST(Diagnostic, ColumnsCountCharactersNotUtf8Bytes) {
  // "é" and "€" are 2 and 3 bytes: `bad` starts at byte 18, character 16.
  SourceFile f("k.py", "def f(x):\n    s = 'é€' + bad\n");
  ASSERT_EQ(f.line(2).find("bad"), 18u);
  Diagnostic d = at(f, 2, 18, 21, "name 'bad' is not defined");
  EXPECT_EQ(d.render(), "k.py:2:16: error: name 'bad' is not defined\n"
                        "        s = 'é€' + bad\n"
                        "                   ^~~");
  EXPECT_EQ(d.column(), 16);
}

TEST(Diagnostic, SpanOverSeveralLinesUnderlinesToTheEndOfTheFirst) {
  SourceFile f("k.py", "def f(x):\n    y = (x[0] +\n         x[1])\n");
  Diagnostic d;
  d.span = {&f, 2, 8, 3, 13};
  d.message = "multi";
  EXPECT_EQ(d.render(), "k.py:2:9: error: multi\n"
                        "        y = (x[0] +\n"
                        "            ^~~~~~~");
}

TEST(Diagnostic, NotesFollowTheErrorWithTheirOwnSourceLine) {
  SourceFile f("k.py", "def f(x):\n    a = x\n    a = 1.5\n");
  Diagnostic d = at(f, 3, 8, 11, "variable 'a' holds float32[::1] but is assigned float here");
  d.notes.push_back({{&f, 2, 4, 2, 5}, "'a' first gets its type here"});
  EXPECT_EQ(d.render(), "k.py:3:9: error: variable 'a' holds float32[::1] but is assigned float here\n"
                        "        a = 1.5\n"
                        "            ^~~\n"
                        "k.py:2:5: note: 'a' first gets its type here\n"
                        "        a = x\n"
                        "        ^");
}

TEST(Diagnostic, WarningsAreLabelled) {
  SourceFile f("k.py", "x = 1\n");
  Diagnostic d = at(f, 1, 0, 1, "unused");
  d.severity = Severity::Warning;
  EXPECT_EQ(d.render(), "k.py:1:1: warning: unused\n    x = 1\n    ^");
}

TEST(Diagnostic, LineOutsideTheFileGivesTheHeaderAlone) {
  SourceFile f("k.py", "x = 1\n");
  EXPECT_EQ(at(f, 7, 2, 3, "gone").render(), "k.py:7:3: error: gone");
  Diagnostic noFile;
  noFile.message = "no span";
  EXPECT_EQ(noFile.render(), "<unknown>:0:1: error: no span");
}

TEST(Diagnostic, ColumnPastTheEndOfTheLineIsClamped) {
  SourceFile f("k.py", "ab\n");
  EXPECT_EQ(at(f, 1, 9, 12, "past").render(), "k.py:1:3: error: past\n    ab\n      ^");
}

TEST(Diagnostic, FailThrowsTheDiagnosticAtTheSpan) {
  SourceFile f("k.py", "x = 1\n");
  try {
    fail({&f, 1, 4, 1, 5}, "boom");
    FAIL() << "fail() returned";
  } catch (const DiagnosticError &e) {
    EXPECT_STREQ(e.what(), "boom");
    EXPECT_EQ(e.diagnostic().severity, Severity::Error);
    EXPECT_EQ(e.diagnostic().span.col, 4);
    EXPECT_EQ(e.diagnostic().render(), "k.py:1:5: error: boom\n    x = 1\n        ^");
  }
}

} // namespace
