//===- tests/support/FileCheck.h - FileCheck-style expectations -----------===//
//
// Expectations kept next to a kernel, checked against its IR or PTX:
//
//   CHECK: pattern        matches after the previous CHECK's match
//   CHECK-NOT: pattern    matches nowhere between the previous CHECK's
//                         match and the next one's (or the text's ends)
//   CHECK-COUNT-n: pat    occurs exactly n times in the whole text
//
// A pattern is literal text, except that {{...}} holds an ECMAScript regex.
// Blank lines and lines starting with "//" are ignored.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace pftest {

/// The regex for a pattern: literal text with {{regex}} parts.
inline std::regex checkRegex(const std::string &pattern) {
  std::string re;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern.compare(i, 2, "{{") == 0) {
      std::size_t end = pattern.find("}}", i + 2);
      if (end != std::string::npos) {
        re += "(?:" + pattern.substr(i + 2, end - i - 2) + ")";
        i = end + 2;
        continue;
      }
    }
    char c = pattern[i++];
    if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos)
      re += '\\';
    re += c;
  }
  return std::regex(re);
}

/// Checks `text` against the CHECK lines of `checks`.
inline ::testing::AssertionResult fileCheck(const std::string &text, const std::string &checks) {
  struct Directive {
    enum Kind { Check, Not, Count } kind;
    int count = 0;
    std::string pattern;
  };
  std::vector<Directive> directives;
  std::istringstream in(checks);
  for (std::string line; std::getline(in, line);) {
    std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line.compare(start, 2, "//") == 0)
      continue;
    line = line.substr(start);
    std::size_t colon = line.find(": ");
    std::string head = colon == std::string::npos ? "" : line.substr(0, colon);
    std::string pattern = colon == std::string::npos ? "" : line.substr(colon + 2);
    if (head == "CHECK")
      directives.push_back({Directive::Check, 0, pattern});
    else if (head == "CHECK-NOT")
      directives.push_back({Directive::Not, 0, pattern});
    else if (head.starts_with("CHECK-COUNT-"))
      directives.push_back({Directive::Count, std::stoi(head.substr(12)), pattern});
    else
      return ::testing::AssertionFailure() << "test bug: not a CHECK line: '" << line << "'";
  }

  auto failure = [&](const std::string &why) {
    return ::testing::AssertionFailure() << why << "\n--- checked text ---\n" << text;
  };
  std::size_t pos = 0;
  std::vector<const Directive *> pendingNots;
  auto checkNots = [&](std::size_t from, std::size_t to) -> std::string {
    for (const Directive *d : pendingNots) {
      std::smatch m;
      auto begin = text.begin() + static_cast<std::ptrdiff_t>(from);
      auto end = text.begin() + static_cast<std::ptrdiff_t>(to);
      if (std::regex_search(begin, end, m, checkRegex(d->pattern)))
        return "CHECK-NOT: '" + d->pattern + "' matched '" + m.str() + "'";
    }
    pendingNots.clear();
    return "";
  };
  for (const Directive &d : directives) {
    if (d.kind == Directive::Not) {
      pendingNots.push_back(&d);
      continue;
    }
    if (d.kind == Directive::Count) {
      std::regex re = checkRegex(d.pattern);
      auto n = std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator());
      if (n != d.count)
        return failure("CHECK-COUNT-" + std::to_string(d.count) + ": '" + d.pattern + "' occurs " +
                       std::to_string(n) + " times");
      continue;
    }
    std::smatch m;
    auto from = text.begin() + static_cast<std::ptrdiff_t>(pos);
    if (!std::regex_search(from, text.end(), m, checkRegex(d.pattern)))
      return failure("CHECK: '" + d.pattern + "' not found after offset " + std::to_string(pos));
    std::size_t matchStart = pos + static_cast<std::size_t>(m.position(0));
    if (std::string why = checkNots(pos, matchStart); !why.empty())
      return failure(why);
    pos = matchStart + static_cast<std::size_t>(m.length(0));
  }
  if (std::string why = checkNots(pos, text.size()); !why.empty())
    return failure(why);
  return ::testing::AssertionSuccess();
}

/// How many times `needle` occurs in `text`.
inline int countOf(const std::string &text, const std::string &needle) {
  int n = 0;
  for (std::size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + needle.size()))
    ++n;
  return n;
}

} // namespace pftest
