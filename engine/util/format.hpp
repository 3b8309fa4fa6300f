#pragma once
// Numbers and dates written for people: $12,340, $12,340.50, $1.2M, +320%, Sep 18.
#include <string>

#include "engine/util/time.hpp"

namespace costbot::fmtx {

// "$12,340.50" (decimals = 2) or "$12,340" (decimals = 0); negative as "-$5.00". Non-USD codes
// are written after the number: "12,340.50 EUR".
std::string money(double amount, int decimals = 2, const std::string& currency = "USD");
// Whole units from 100 up, cents below: "$12,340", "$42.50" (alert and digest texts).
std::string money_rounded(double amount, const std::string& currency = "USD");
// Chooses precision by size: $0.42, $12.30, $1,234, $12.3k, $1.2M.
std::string money_short(double amount, const std::string& currency = "USD");
// For chart axes and tight spaces: $0, $250, $1.2k, $12k, $1.25M, $3B (no trailing zeros).
std::string money_compact(double amount, const std::string& currency = "USD");
// "+320%", "-12%", "+4.5%" (one decimal under 10%).
std::string percent_change(double fraction);
std::string percent(double fraction, int decimals = 0);  // "82%"
std::string thousands(double value, int decimals = 0);   // "12,340"
std::string day_short(Day d);                            // "Sep 18"
std::string day_long(Day d);                             // "Sep 18, 2024"

}  // namespace costbot::fmtx
