// SPDX-License-Identifier: Apache-2.0
// Polish (pl), without diacritics for ASCII displays: a-ogonek -> a, c-acute -> c, e-ogonek -> e,
// l-stroke -> l, n-acute -> n, o-acute -> o, s-acute -> s, z-acute and z-dot -> z. One line per
// text of screen_texts, in its order; "{}" in the same order as English's.
#include "daemon/keypad/catalogue/translations.hpp"

namespace locker::keypad::catalogue {
namespace {

using t = screen_texts;

constexpr translation table_pl[] = {
    // Recipient.
    {&t::idle, "Wpisz kod odbioru\n# = OK  * = kurier"},
    {&t::code_entry, "Kod: {}\n# = OK  * = kasuj"},
    {&t::opening, "Otwieram skrytke {}\nProsze czekac"},
    {&t::pickup_open, "Skrytka {} otwarta\nWez paczke, zamknij"},
    {&t::thank_you, "Dziekujemy!"},
    {&t::wrong_code, "Bledny kod\nPozostalo prob: {}"},
    {&t::locked_out, "Zbyt wiele prob\nCzekaj {} s"},
    {&t::pickup_open_failed, "Skrytka {} zacieta\nZadzwon do serwisu"},
    {&t::left_inside, "Paczka nadal w {}\nWpisz kod ponownie"},
    {&t::out_of_order, "Nieczynne\nSprobuj pozniej"},

    // Courier login and menu.
    {&t::pin_prompt, "PIN kuriera, potem #\n* = wstecz"},
    {&t::pin_entry, "PIN: {}\n# = OK  * = kasuj"},
    {&t::pin_length, "PIN ma 6-12 cyfr"},
    {&t::wrong_pin, "Bledny PIN"},
    {&t::menu, "Hej {}  #=wyjdz\n1 Wloz 2 Wyjmij"},

    // Deposit.
    {&t::tracking_prompt, "Nr przesylki, #\n* = wstecz"},
    {&t::tracking_entry, "{}\n# = OK  * = kasuj"},
    {&t::size_menu, "Rozmiar? {}\n* = wstecz"},
    {&t::no_free_compartment, "Brak skrytki {}\nani wiekszej"},
    {&t::already_in_locker, "Juz w automacie"},
    {&t::unknown_size, "Nieznany rozmiar"},
    {&t::deposit_open, "Wloz do {}, zamknij\n*=za duza #=anuluj"},
    {&t::opening_bigger, "Otwieram skrytke {}\nZamknij tez skr. {}"},
    {&t::no_bigger, "Brak wiekszej skr.\nWez paczke, zamknij"},
    {&t::deposit_cancelled, "Wkladanie anulowane\nWez paczke, zamknij"},
    {&t::deposit_moved, "Skr. {} uszkodzona\nOtwieram skrytke {}"},
    {&t::deposit_failed, "Nic sie nie otwiera\nWkladanie nieudane"},
    {&t::stored, "W skrytce {} #=wyjdz\n1 Nastepna 2 Wyjmij"},
    {&t::nothing_stored, "Skrytka {} pusta\nNic nie wlozono"},

    // Removal of expired and cancelled parcels.
    {&t::nothing_to_remove, "Nic do wyjecia"},
    {&t::removal_item, "{} *=dalej\nSkrytka {} #=otworz"},
    {&t::removal_open, "Wyjmij paczke z {}\ni zamknij drzwi"},
    {&t::removal_unavailable, "Skr. {} niedostepna"},
    {&t::removal_faulty, "Skr. {} uszkodzona"},
    {&t::all_done, "Gotowe"},

    // Scanner.
    {&t::scan_unexpected, "Skan nie jest\ntu oczekiwany"},
    {&t::scan_not_code, "To nie kod odbioru"},
    {&t::scan_not_tracking, "To nie nr przesylki"},

    // Badge reader.
    {&t::badge_pin_prompt, "Karta OK: PIN, #\n* = wstecz"},
    {&t::unknown_badge, "Nieznana karta"},
    {&t::badge_unexpected, "Karta nie jest\ntu oczekiwana"},
    {&t::extended_time_on, "Wiecej czasu wl."},
    {&t::extended_time_off, "Wiecej czasu wyl."},
    {&t::token_unreadable, "Kod QR nieczytelny\nProby: {}"},
    {&t::token_unknown_key, "Kod QR nieznany\nProby: {}"},
    {&t::token_bad_signature, "Kod QR niewazny\nProby: {}"},
    {&t::token_key_retired, "Klucz QR wycofany\nProby: {}"},
    {&t::token_other_locker, "QR dla innego\nautomatu. Proby: {}"},
    {&t::token_not_yet_valid, "QR jeszcze niewazny\nProby: {}"},
    {&t::token_expired, "Kod QR wygasl\nProby: {}"},
    {&t::token_used, "Kod QR juz uzyty\nProby: {}"},
    {&t::token_no_parcel, "Brak paczki dla QR\nProby: {}"},
    {&t::dropoff_open, "Wloz paczke do {}\npotem zamknij"},
    {&t::dropped_off, "Dziekujemy!\nPaczka nadana"},
    {&t::dropoff_no_free_compartment, "Brak wolnej skrytki\nSprobuj pozniej"},
    {&t::dropoff_failed, "Skrytka nie otwiera\nSprobuj pozniej"},
    {&t::opening_many, "Otwieram {} skrytki\nProsze czekac"},
    {&t::pickup_open_many, "Otwarte: {}\nWez paczki, zamknij"},
    {&t::pickup_many_failed, "Bledne: {}\nWezwij serwis"},
    {&t::left_inside_many, "Zostalo w {}\nWpisz kod ponownie"},
};

}  // namespace

std::span<const translation> polish() { return table_pl; }

}  // namespace locker::keypad::catalogue
