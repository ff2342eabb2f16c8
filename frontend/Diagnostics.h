//===- frontend/Diagnostics.h - Source spans and user-facing errors -------===//
//
// Every AST node carries a Span into the user's Python file. Stages report
// user errors as Diagnostic values; the binding turns them into
// ptxforge.CompileError. Rendering gives "file:line:col: error: message",
// the source line, and a caret under the column.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ptxforge::frontend {

/// One Python source file: its name and text, split into lines.
struct SourceFile {
  std::string name;
  std::vector<std::string> lines; ///< lines[0] is line 1

  SourceFile(std::string name, const std::string &text);
  /// The text of 1-based `line`, or "" when out of range.
  const std::string &line(int line) const;
};

/// A place in a source file: 1-based lines, 0-based columns counted in UTF-8
/// bytes (CPython's col_offset). Rendering converts columns to characters.
struct Span {
  const SourceFile *file = nullptr;
  int line = 0, col = 0;
  int endLine = 0, endCol = 0;
};

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity = Severity::Error;
  Span span;
  std::string message;
  std::vector<std::pair<Span, std::string>> notes;
  /// The Python exception class raised for it, when not CompileError
  /// ("LinkError": a file given to link= cannot be linked).
  std::string errorClass;

  /// "file:line:col: error: message", the source line and a caret line
  /// (tildes under the rest of the span on that line), then the notes.
  std::string render() const;
  /// The 1-based column of the span's start, in characters.
  int column() const;
};

/// Thrown inside a stage to abandon the compilation with one user error.
/// Stages catch it at their entry point and return it as a value; it never
/// crosses the library's API.
class DiagnosticError : public std::exception {
public:
  explicit DiagnosticError(Diagnostic d) : diag_(std::move(d)) {}
  const Diagnostic &diagnostic() const { return diag_; }
  const char *what() const noexcept override { return diag_.message.c_str(); }

private:
  Diagnostic diag_;
};

/// Throws DiagnosticError at `span`.
[[noreturn]] void fail(const Span &span, std::string message);

} // namespace ptxforge::frontend
