// SPDX-License-Identifier: Apache-2.0
// German (de), transliterated for ASCII displays: ae oe ue ss. One line per text of
// screen_texts, in its order; "{}" in the same order as English's.
#include "daemon/keypad/catalogue/translations.hpp"

namespace locker::keypad::catalogue {
namespace {

using t = screen_texts;

constexpr translation table_de[] = {
    // Recipient.
    {&t::idle, "Abholcode eingeben\n# = OK  * = Kurier"},
    {&t::code_entry, "Code: {}\n# = OK  * = loeschen"},
    {&t::opening, "Oeffne Fach {}...\nBitte warten"},
    {&t::pickup_open, "Fach {} ist offen\nPaket raus, Tuer zu"},
    {&t::thank_you, "Danke!"},
    {&t::wrong_code, "Falscher Code\nNoch {} Versuche"},
    {&t::locked_out, "Zu viele Versuche\nWarten: {} s"},
    {&t::pickup_open_failed, "Fach {} klemmt\nBitte Service rufen"},
    {&t::left_inside, "Paket noch in {}\nCode erneut eingeben"},
    {&t::out_of_order, "Ausser Betrieb\nBitte spaeter erneut"},

    // Courier login and menu.
    {&t::pin_prompt, "Kurier-PIN, dann #\n* = zurueck"},
    {&t::pin_entry, "PIN: {}\n# = OK  * = loeschen"},
    {&t::pin_length, "PIN hat 6-12 Ziffern"},
    {&t::wrong_pin, "Falsche PIN"},
    {&t::menu, "Hi {}  #=Ende\n1 Einlegen 2 Abholen"},

    // Deposit.
    {&t::tracking_prompt, "Sendungsnr., dann #\n* = zurueck"},
    {&t::tracking_entry, "{}\n# = OK  * = loeschen"},
    {&t::size_menu, "Groesse? {}\n* = zurueck"},
    {&t::no_free_compartment, "Kein Fach frei: {}\noder groesser"},
    {&t::already_in_locker, "Bereits eingelegt"},
    {&t::unknown_size, "Unbekannte Groesse"},
    {&t::deposit_open, "In Fach {}, Tuer zu\n*=zu gross #=Abbruch"},
    {&t::opening_bigger, "Oeffne Fach {}...\nAuch Fach {} zu"},
    {&t::no_bigger, "Kein groesseres Fach\nPaket raus, Tuer zu"},
    {&t::deposit_cancelled, "Einlegen abgebrochen\nPaket raus, Tuer zu"},
    {&t::deposit_moved, "Fach {} defekt\nOeffne Fach {}..."},
    {&t::deposit_failed, "Kein Fach geht auf\nEinlegen gescheitert"},
    {&t::stored, "Eingelegt: {} #=Ende\n1 Weiter 2 Abholen"},
    {&t::nothing_stored, "Fach {} ist leer\nNichts eingelegt"},

    // Removal of expired and cancelled parcels.
    {&t::nothing_to_remove, "Nichts abzuholen"},
    {&t::removal_item, "{} *=weiter\nFach {} #=oeffnen"},
    {&t::removal_open, "Paket aus Fach {}\nnehmen, Tuer zu"},
    {&t::removal_unavailable, "Fach {} gesperrt"},
    {&t::removal_faulty, "Fach {} defekt"},
    {&t::all_done, "Alles erledigt"},

    // Scanner.
    {&t::scan_unexpected, "Scan hier nicht\nerwartet"},
    {&t::scan_not_code, "Kein Abholcode"},
    {&t::scan_not_tracking, "Keine Sendungsnr."},

    // Badge reader.
    {&t::badge_pin_prompt, "Ausweis OK: PIN, #\n* = zurueck"},
    {&t::unknown_badge, "Unbekannter Ausweis"},
    {&t::badge_unexpected, "Ausweis hier nicht\nerwartet"},
    {&t::extended_time_on, "Mehr Zeit an"},
    {&t::extended_time_off, "Mehr Zeit aus"},
    {&t::token_unreadable, "QR-Code unlesbar\nVersuche: {}"},
    {&t::token_unknown_key, "QR-Code unbekannt\nVersuche: {}"},
    {&t::token_bad_signature, "QR-Code ungueltig\nVersuche: {}"},
    {&t::token_key_retired, "QR-Schluessel alt\nVersuche: {}"},
    {&t::token_other_locker, "QR fuer anderen\nAutomat. Vers.: {}"},
    {&t::token_not_yet_valid, "QR noch ungueltig\nVersuche: {}"},
    {&t::token_expired, "QR-Code abgelaufen\nVersuche: {}"},
    {&t::token_used, "QR-Code benutzt\nVersuche: {}"},
    {&t::token_no_parcel, "Kein Paket zum QR\nVersuche: {}"},
    {&t::dropoff_open, "Paket in Fach {}\ndann Tuer zu"},
    {&t::dropped_off, "Danke!\nPaket abgegeben"},
    {&t::dropoff_no_free_compartment, "Kein Fach frei\nBitte spaeter"},
    {&t::dropoff_failed, "Kein Fach geht auf\nBitte spaeter"},
    {&t::opening_many, "Oeffne {} Faecher\nBitte warten"},
    {&t::pickup_open_many, "Faecher {} offen\nPakete nehmen, zu"},
    {&t::pickup_many_failed, "Fach {} defekt\nBitte Service rufen"},
    {&t::left_inside_many, "Noch in {}\nCode erneut tippen"},
};

}  // namespace

std::span<const translation> german() { return table_de; }

}  // namespace locker::keypad::catalogue
