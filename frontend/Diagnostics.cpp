//===- frontend/Diagnostics.cpp - Rendering diagnostics -------------------===//

#include "frontend/Diagnostics.h"

#include <algorithm>

namespace ptxforge::frontend {

SourceFile::SourceFile(std::string n, const std::string &text) : name(std::move(n)) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      if (start < text.size())
        lines.push_back(text.substr(start));
      break;
    }
    std::size_t len = end - start;
    if (len && text[end - 1] == '\r')
      --len;
    lines.push_back(text.substr(start, len));
    start = end + 1;
  }
}

const std::string &SourceFile::line(int n) const {
  static const std::string empty;
  if (n < 1 || n > static_cast<int>(lines.size()))
    return empty;
  return lines[n - 1];
}

static const char *severityName(Severity s) {
  switch (s) {
  case Severity::Error: return "error";
  case Severity::Warning: return "warning";
  case Severity::Note: return "note";
  }
  return "error";
}

// Columns are UTF-8 byte offsets (CPython's col_offset); a person counts
// characters, so count the bytes that start a character.
static int charsIn(const std::string &text, int bytes) {
  int n = 0;
  for (int i = 0; i < bytes && i < static_cast<int>(text.size()); ++i)
    n += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  return n;
}

// The 1-based column a person sees: characters when the line's text is
// known, else the span's own offset.
static int displayColumn(const Span &span) {
  const std::string &text = span.file ? span.file->line(span.line) : std::string();
  return text.empty() ? span.col + 1 : charsIn(text, span.col) + 1;
}

static void renderOne(std::string &out, const Span &span, Severity sev, const std::string &msg) {
  std::string fileName = span.file ? span.file->name : "<unknown>";
  const std::string &text = span.file ? span.file->line(span.line) : std::string();
  int col = std::min<int>(span.col, static_cast<int>(text.size()));
  out += fileName + ":" + std::to_string(span.line) + ":" + std::to_string(displayColumn(span)) + ": " +
         severityName(sev) + ": " + msg + "\n";
  if (text.empty())
    return;
  out += "    " + text + "\n";
  // Keep tabs so the caret lines up under tab-indented code.
  std::string caret = "    ";
  for (int i = 0; i < col; ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80)
      caret += text[i] == '\t' ? '\t' : ' ';
  caret += '^';
  int end = span.endLine == span.line ? std::min<int>(span.endCol, static_cast<int>(text.size()))
                                      : static_cast<int>(text.size());
  for (int n = charsIn(text, end) - charsIn(text, col) - 1; n > 0; --n)
    caret += '~';
  out += caret + "\n";
}

int Diagnostic::column() const { return displayColumn(span); }

std::string Diagnostic::render() const {
  std::string out;
  renderOne(out, span, severity, message);
  for (const auto &[noteSpan, text] : notes)
    renderOne(out, noteSpan, Severity::Note, text);
  if (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

void fail(const Span &span, std::string message) {
  Diagnostic d;
  d.span = span;
  d.message = std::move(message);
  throw DiagnosticError(std::move(d));
}

} // namespace ptxforge::frontend
