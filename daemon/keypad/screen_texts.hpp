// SPDX-License-Identifier: Apache-2.0
// Every text the front panel shows, in English; the other languages are translations of these
// members in daemon/keypad/catalogue/, which checks every language against this list. Two lines
// separated by '\n', at most 20 characters each with compartments of up to 2 characters.
// "{}" is replaced by the arguments in order; ASCII only (character LCDs). A new text here needs
// its line in the catalogue's text_ids() (the build says so) and one in each translation.
#pragma once

#include <string>

namespace locker::keypad {

struct screen_texts {
  // Recipient.
  std::string idle = "Enter pickup code\n# = OK  * = courier";
  std::string code_entry = "Code: {}\n# = OK  * = clear";  // {} = one '*' per digit
  std::string opening = "Opening box {}...\nPlease wait";
  std::string pickup_open = "Box {} is open\nTake parcel, close";
  std::string thank_you = "Thank you!";
  std::string wrong_code = "Wrong code\nTries left: {}";
  std::string locked_out = "Too many tries\nWait {} s";
  std::string pickup_open_failed = "Box {} did not open\nPlease call service";
  // The door closed on the parcel (presence sensor): not collected; the code opens it again.
  std::string left_inside = "Parcel still in {}\nType code to reopen";
  // Several parcels, one code (multi): one code opens several boxes, one at a time. {} = how
  // many; then the boxes whose doors opened ("3, 7, 12"; shortened to "3, 7 +2" when they do
  // not fit). When one box is left, the texts above for one box are shown.
  std::string opening_many = "Opening {} boxes...\nPlease wait";
  std::string pickup_open_many = "Boxes {} open\nTake parcels, close";
  std::string pickup_many_failed = "Boxes {} failed\nPlease call service";
  std::string left_inside_many = "Left in {}\nType code to reopen";
  // The locker cannot do it now (its database failed); no attempt was counted.
  std::string out_of_order = "Out of order\nPlease try later";

  // Courier login and menu.
  std::string pin_prompt = "Courier PIN, then #\n* = back";
  std::string pin_entry = "PIN: {}\n# = OK  * = clear";  // {} = one '*' per digit
  std::string pin_length = "PIN has 6-12 digits";
  std::string wrong_pin = "Wrong PIN";
  std::string menu = "Hi {}  #=end\n1 Deposit 2 Remove";  // {} = name, cut to fit

  // Deposit.
  std::string tracking_prompt = "Tracking no., #\n* = back";
  std::string tracking_entry = "{}\n# = OK  * = clear";  // {} = the number (not secret)
  std::string size_menu = "Size? {}\n* = back";          // {} = "1=S 2=M 3=L"
  std::string no_free_compartment = "No free box for {}\nor bigger";
  std::string already_in_locker = "Already in locker";
  std::string unknown_size = "Unknown size";
  std::string deposit_open = "Put in box {}, close\n*=too big #=cancel";
  std::string opening_bigger = "Opening box {}...\nAlso close box {}";
  std::string no_bigger = "No bigger box free\nTake parcel, close";
  std::string deposit_cancelled = "Deposit cancelled\nTake parcel, close";
  std::string deposit_moved = "Box {} faulty\nOpening box {}...";
  std::string deposit_failed = "No box can open\nDeposit failed";
  std::string stored = "Stored in {}  #=end\n1 Next 2 Remove";
  // The door closed and the presence sensor saw no parcel inside.
  std::string nothing_stored = "Box {} is empty\nNothing stored";

  // Removal of expired and cancelled parcels.
  std::string nothing_to_remove = "Nothing to remove";
  std::string removal_item = "Remove {}\nBox {} #=open *=next";  // tracking no., cut to fit
  std::string removal_open = "Take parcel from {}\nthen close door";
  std::string removal_unavailable = "Box {} unavailable";
  std::string removal_faulty = "Box {} faulty";
  std::string all_done = "All done";

  // Scanner: shown for message_hold over the current screen, which then comes back.
  std::string scan_unexpected = "Scan not expected\nhere";
  std::string scan_not_code = "Not a pickup code";
  std::string scan_not_tracking = "Not a tracking no.";

  // Flow "token": a scanned signed token (QR code) that opened nothing, and why; each counts
  // as a wrong code. {} = the tries left.
  std::string token_unreadable = "Unreadable QR code\nTries left: {}";
  std::string token_unknown_key = "QR code not trusted\nTries left: {}";
  std::string token_bad_signature = "QR code invalid\nTries left: {}";
  std::string token_key_retired = "QR code key retired\nTries left: {}";
  std::string token_other_locker = "QR for other locker\nTries left: {}";
  std::string token_not_yet_valid = "QR not valid yet\nTries left: {}";
  std::string token_expired = "QR code expired\nTries left: {}";
  std::string token_used = "QR code already used\nTries left: {}";
  std::string token_no_parcel = "No parcel for QR\nTries left: {}";

  // Badge reader. The first two are results; the last is shown over the current screen.
  std::string badge_pin_prompt = "Badge OK: PIN, #\n* = back";
  std::string unknown_badge = "Unknown badge";
  std::string badge_unexpected = "Badge not expected\nhere";

  // Accessibility (issue 13): extended time, shown over the current screen for a while.
  std::string extended_time_on = "Extended time on";
  std::string extended_time_off = "Extended time off";
  // Drop-off flow: a sender's drop-off code at the idle prompt.
  std::string dropoff_open = "Put parcel in {}\nthen close door";
  std::string dropped_off = "Thank you!\nParcel dropped off";
  std::string dropoff_no_free_compartment = "No free box now\nPlease try later";
  std::string dropoff_failed = "No box can open\nPlease try later";
};

}  // namespace locker::keypad
