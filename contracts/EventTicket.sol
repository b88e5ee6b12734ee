// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC721/ERC721Upgradeable.sol";
import {AccessControlDefaultAdminRulesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IEventTicket} from "./interfaces/IEventTicket.sol";
import {IRevenueSplit} from "./interfaces/IRevenueSplit.sol";
import {PayableClones} from "./PayableClones.sol";

/**
 * @title EventTicket
 * @notice The tickets of one event (see {IEventTicket}). Deployed once as an implementation and used through
 * EIP-1167 clones made by the {EventFactory}.
 *
 * Design notes:
 * - Clones run no constructor, so this contract builds on OpenZeppelin's *upgradeable* variants (same 5.7.0
 *   release as the core package): `ERC721Upgradeable`, `AccessControlDefaultAdminRulesUpgradeable` and
 *   `PausableUpgradeable` keep their state in ERC-7201 namespaces and are set up by `__X_init` calls inside
 *   {initialize}, exactly what their constructors do in the non-upgradeable versions. Nothing here is upgradeable:
 *   a clone's code is fixed. The implementation itself disables initialisers in its constructor.
 * - Gas: the tier is encoded in the token id (`tierId * TIER_ID_BASE + serial`), so a sale writes no per-token
 *   data beyond the ERC-721 owner slot. Comp flags and check-ins are bitmaps (256 tokens per slot), so checking in
 *   a batch costs one storage write per 256 tickets plus the events. Revenue accrues in this contract's balance;
 *   the split is not touched at sale time, whatever its number of payees.
 * - Storage per event is kept small because createEvent pays for it: the whole event state is one slot, shared
 *   with OpenZeppelin's Initializable flags (through its `_initializableStorageSlot` hook); each tier is one slot
 *   (its ERC-20 is an index into a small currency registry); the split's address is the clone's immutable argument.
 * - Everything that leaves this contract before settlement is a refund of a cancelled event, or a resale's
 *   proceeds paid to its seller in the same transaction; so the balance of a currency is its revenue, and
 *   {settle} moves all of it. The face value of every sold ticket not yet refunded is counted per currency
 *   (`_refundsOwed`), so a cancelled event can settle what it holds beyond its refunds (resale royalties, outside
 *   ERC-2981 royalties) without touching a single refund.
 * - Referrals: a sale through {purchaseWithReferrer} credits the tier's referral share of its price to the referrer
 *   (a storage write for the referrer, one for the currency's total). The shares are the split's to set (it
 *   holds the rule that they and the payee shares stay within 100 %, see {IRevenueSplit-setReferralShare}); it passes
 *   each tier's share here. The money stays revenue: it is settled to the split with the rest, and the split pays each
 *   referrer its credit out of the organizer's part ({IRevenueSplit-claimReferral}). A cancelled event owes no
 *   referrals (every sale is refundable), so the credits read as zero once it is cancelled.
 * - Plain ETH (ERC-2981 royalties) is accepted by the clone's own code ({PayableClones}), without a DELEGATECALL,
 *   so a payer using `transfer` and its 2,300-gas stipend succeeds; it becomes revenue.
 */
contract EventTicket is
    IEventTicket,
    IERC2981,
    ERC721Upgradeable,
    AccessControlDefaultAdminRulesUpgradeable,
    PausableUpgradeable,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice May grant comp tickets.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice May check tickets in at the gate.
    bytes32 public constant SCANNER_ROLE = keccak256("SCANNER_ROLE");
    /// @notice `tokenId = tierId * TIER_ID_BASE + serial`; a tier holds fewer than TIER_ID_BASE tickets.
    uint256 public constant TIER_ID_BASE = 1_000_000;
    /// @notice Most tiers an event can have.
    uint256 public constant MAX_TIERS = 255;
    /// @notice Initial delay of a default admin transfer (AccessControlDefaultAdminRules). Transfers are two-step
    /// (begin, accept) from the start; the admin can add a delay with changeDefaultAdminDelay. Zero saves a storage
    /// write in every event creation.
    uint48 public constant INITIAL_ADMIN_DELAY = 0;

    uint256 private constant _BPS = 10_000;

    /// @dev The whole event state in one slot (read by sales, transfers, check-in, settlement), shared with
    /// OpenZeppelin's Initializable: its `InitializableStorage {uint64 _initialized; bool _initializing}` is the
    /// first 72 bits (see {_initializableStorageSlot}), which saves every event creation a storage write.
    /// Never assign the whole struct: write fields one by one so the initializer flags survive.
    struct EventState {
        uint64 initializedVersion; // Initializable._initialized
        bool initializing; // Initializable._initializing
        uint40 startsAt;
        uint40 endsAt;
        uint32 refundWindow;
        TransferPolicy transferPolicy;
        bool cancelled;
        bool settled;
        uint16 resaleCapBps;
        uint16 royaltyBps;
        uint8 tierCount;
        uint8 currencyCount; // ERC-20 currencies in _currencies (ETH is currency id 0 and needs no entry)
    }

    /// @dev A tier in one slot: the currency is an index into _currencies, times are uint32 (good until 2106).
    struct TierData {
        uint96 price;
        uint8 currencyId;
        uint24 supply;
        uint24 minted; // sold + comped
        uint16 maxPerBuyer;
        uint32 saleStart;
        uint32 saleEnd;
        bool transferable;
        bool priceLocked;
    }

    /// @dev A listing in one slot, with the royalty in force when it was made (a later change cannot touch it).
    struct Listing {
        address seller;
        uint80 price;
        uint16 royaltyBps;
    }

    EventState private _state;
    mapping(uint256 tierId => TierData) private _tiers;
    mapping(uint256 currencyId => address) private _currencies;
    mapping(uint256 tierId => mapping(address account => uint256)) private _purchased;
    mapping(uint256 word => uint256) private _compBits;
    mapping(uint256 word => uint256) private _checkedInBits;
    mapping(uint256 tokenId => Listing) private _listings;
    mapping(address currency => uint256) private _refundsOwed; // face value of the sold tickets not refunded
    mapping(address currency => uint256) private _referralsOwed; // credits of all sales (the split pays them)
    mapping(uint256 tierId => uint256) private _referralBps;
    mapping(address referrer => mapping(address currency => uint256)) private _referralCredits;
    string private _baseTokenURI;
    string private _contractURI;

    /// @dev The implementation is never initialised; only its clones are.
    constructor() {
        _disableInitializers();
    }

    // ================================================================ setup

    /// @inheritdoc IEventTicket
    function initialize(address admin, EventConfig calldata config, TierConfig[] calldata tiers) external initializer {
        __ERC721_init(config.name, config.symbol);
        __AccessControlDefaultAdminRules_init(INITIAL_ADMIN_DELAY, admin);
        __Pausable_init();

        if (config.endsAt <= config.startsAt) revert EventTicketInvalidSchedule(config.startsAt, config.endsAt);
        if (config.royaltyBps > _BPS) revert EventTicketInvalidBps(config.royaltyBps, _BPS);
        EventState storage s = _state; // field by field: the slot also holds the initializer flags
        s.startsAt = config.startsAt;
        s.endsAt = config.endsAt;
        s.refundWindow = config.refundWindow;
        s.transferPolicy = config.transferPolicy;
        s.resaleCapBps = config.resaleCapBps;
        s.royaltyBps = config.royaltyBps;
        if (bytes(config.baseURI).length != 0) _baseTokenURI = config.baseURI;
        if (bytes(config.contractURI).length != 0) _contractURI = config.contractURI;
        for (uint256 i = 0; i < tiers.length; ++i) {
            _addTier(tiers[i]);
        }
    }

    /// @inheritdoc IEventTicket
    function addTier(TierConfig calldata tier_) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint256 tierId) {
        return _addTier(tier_);
    }

    /// @inheritdoc IEventTicket
    function updateTier(uint256 tierId, TierConfig calldata tier_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        TierData storage t = _existingTier(tierId);
        if (t.priceLocked && (t.price != tier_.price || _currencies[t.currencyId] != tier_.currency)) {
            revert EventTicketPriceLocked(tierId);
        }
        _storeTier(t, tier_, t.minted);
        emit TierUpdated(
            tierId,
            tier_.name,
            tier_.price,
            tier_.currency,
            tier_.supply,
            tier_.maxPerBuyer,
            tier_.saleStart,
            tier_.saleEnd,
            tier_.transferable
        );
    }

    /// @inheritdoc IEventTicket
    /// @dev Postponement only: settlement (end plus refund window) and the check-in transfer lock (until the end)
    /// can never come earlier than promised when the tickets were sold, and an ended event stays ended.
    function setSchedule(uint40 startsAt, uint40 endsAt, uint32 refundWindow)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        EventState memory s = _state;
        if (s.cancelled) revert EventTicketEventIsCancelled();
        if (s.settled) revert EventTicketAlreadySettled();
        if (block.timestamp >= s.endsAt) revert EventTicketEventEnded();
        if (endsAt <= startsAt) revert EventTicketInvalidSchedule(startsAt, endsAt);
        if (startsAt < s.startsAt || endsAt < s.endsAt || refundWindow < s.refundWindow) {
            revert EventTicketScheduleNotPostponed(s.startsAt, s.endsAt, s.refundWindow);
        }
        _state.startsAt = startsAt;
        _state.endsAt = endsAt;
        _state.refundWindow = refundWindow;
        emit ScheduleSet(startsAt, endsAt, refundWindow);
    }

    /// @inheritdoc IEventTicket
    function setTransferPolicy(TransferPolicy policy) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _state.transferPolicy = policy;
        emit TransferPolicySet(policy);
    }

    /// @inheritdoc IEventTicket
    function setResaleTerms(uint16 resaleCapBps, uint16 royaltyBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (royaltyBps > _BPS) revert EventTicketInvalidBps(royaltyBps, _BPS);
        _state.resaleCapBps = resaleCapBps;
        _state.royaltyBps = royaltyBps;
        emit ResaleTermsSet(resaleCapBps, royaltyBps);
    }

    /// @inheritdoc IEventTicket
    function setBaseURI(string calldata baseURI) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _baseTokenURI = baseURI;
        emit BaseURISet(baseURI);
    }

    /// @inheritdoc IEventTicket
    function setContractURI(string calldata contractURI_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _contractURI = contractURI_;
        emit ContractURISet(contractURI_);
        emit ContractURIUpdated();
    }

    /// @inheritdoc IEventTicket
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /// @inheritdoc IEventTicket
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    // ================================================================ sales

    /// @inheritdoc IEventTicket
    function purchase(uint256 tierId, uint256 quantity, address to) external payable returns (uint256 firstTokenId) {
        return _purchase(tierId, quantity, to);
    }

    /// @inheritdoc IEventTicket
    function purchaseWithReferrer(uint256 tierId, uint256 quantity, address to, address referrer)
        external
        payable
        returns (uint256 firstTokenId)
    {
        // the credit first: the sale below checks everything else and reverts the whole call if it is not valid
        if (referrer != address(0)) {
            // the buyer (who pays) and the receiver cannot be their own referrer
            if (referrer == msg.sender || referrer == to) revert EventTicketSelfReferral(referrer);
            TierData storage t = _tiers[tierId];
            uint256 credit = uint256(t.price) * quantity * _referralBps[tierId] / _BPS;
            if (credit != 0) {
                address currency = _currencyOf(t);
                _referralCredits[referrer][currency] += credit;
                _referralsOwed[currency] += credit;
                emit ReferralCredited(referrer, tierId, tierId * TIER_ID_BASE + t.minted + 1, credit, currency);
            }
        }
        return _purchase(tierId, quantity, to);
    }

    /// @inheritdoc IEventTicket
    function setReferralShare(uint256 tierId, uint256 shareBps) external {
        if (msg.sender != split()) revert EventTicketOnlySplit(msg.sender);
        _existingTier(tierId);
        _referralBps[tierId] = shareBps;
    }

    /// @dev A sale (see {purchase}).
    function _purchase(uint256 tierId, uint256 quantity, address to)
        private
        nonReentrant
        whenNotPaused
        returns (uint256 firstTokenId)
    {
        if (_state.cancelled) revert EventTicketEventIsCancelled();
        TierData storage t = _existingTier(tierId);
        if (quantity == 0) revert EventTicketInvalidQuantity(0);
        if (block.timestamp < t.saleStart || block.timestamp >= t.saleEnd) {
            revert EventTicketSaleNotActive(tierId, t.saleStart, t.saleEnd);
        }
        uint256 minted = t.minted;
        uint256 available = t.supply - minted;
        if (quantity > available) revert EventTicketSoldOut(tierId, available);
        // the limit is the buyer's (who pays), so nobody can use up someone else's by buying for them
        uint256 bought = _purchased[tierId][msg.sender] + quantity;
        uint256 limit = t.maxPerBuyer;
        if (limit != 0 && bought > limit) revert EventTicketBuyerLimitExceeded(tierId, msg.sender, limit);

        // effects
        _purchased[tierId][msg.sender] = bought;
        t.minted = uint24(minted + quantity);
        t.priceLocked = true;
        uint256 price = t.price;
        address currency = _currencyOf(t);
        uint256 cost = price * quantity;
        _refundsOwed[currency] += cost;
        firstTokenId = tierId * TIER_ID_BASE + minted + 1;
        emit TicketPurchased(msg.sender, to, tierId, firstTokenId, quantity, price, currency);

        // payment in, then the mints (whose receiver hooks are the only outside calls left)
        _collect(currency, cost);
        for (uint256 i = 0; i < quantity; ++i) {
            _safeMint(to, firstTokenId + i);
        }
    }

    /// @inheritdoc IEventTicket
    function grantComps(uint256 tierId, address[] calldata recipients)
        external
        nonReentrant
        whenNotPaused
        onlyRole(MINTER_ROLE)
        returns (uint256 firstTokenId)
    {
        if (_state.cancelled) revert EventTicketEventIsCancelled();
        TierData storage t = _existingTier(tierId);
        uint256 n = recipients.length;
        if (n == 0) revert EventTicketInvalidQuantity(0);
        uint256 minted = t.minted;
        uint256 available = t.supply - minted;
        if (n > available) revert EventTicketSoldOut(tierId, available);
        t.minted = uint24(minted + n);
        firstTokenId = tierId * TIER_ID_BASE + minted + 1;
        for (uint256 i = 0; i < n; ++i) {
            uint256 id = firstTokenId + i;
            _compBits[id >> 8] |= 1 << (id & 0xff);
        }
        emit CompsGranted(tierId, msg.sender, firstTokenId, recipients);
        for (uint256 i = 0; i < n; ++i) {
            _safeMint(recipients[i], firstTokenId + i);
        }
    }

    /// @inheritdoc IEventTicket
    function voidComp(uint256 tokenId) external {
        address owner = _requireOwned(tokenId);
        if (owner != msg.sender) revert ERC721IncorrectOwner(msg.sender, tokenId, owner);
        if (!isComp(tokenId)) revert EventTicketNotComp(tokenId);
        _burn(tokenId);
        emit CompVoided(tokenId, owner);
    }

    // ================================================================ gate

    /// @inheritdoc IEventTicket
    /// @dev Not pausable: it moves no value, and the gate must keep working. A ticket must exist; tokens burned by
    /// refunds cannot be checked in because check-in stops when the event is cancelled.
    function checkIn(uint256[] calldata tokenIds) external onlyRole(SCANNER_ROLE) {
        EventState memory s = _state;
        if (s.cancelled) revert EventTicketEventIsCancelled();
        if (block.timestamp >= s.endsAt) revert EventTicketEventEnded();
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            uint256 id = tokenIds[i];
            uint256 serial = id % TIER_ID_BASE;
            if (serial == 0 || serial > _tiers[id / TIER_ID_BASE].minted) revert ERC721NonexistentToken(id);
            uint256 bit = 1 << (id & 0xff);
            uint256 word = _checkedInBits[id >> 8];
            if (word & bit != 0) revert EventTicketAlreadyCheckedIn(id);
            _checkedInBits[id >> 8] = word | bit;
            emit CheckedIn(id, msg.sender);
        }
    }

    /// @inheritdoc IEventTicket
    function isCheckedIn(uint256 tokenId) public view returns (bool) {
        return _checkedInBits[tokenId >> 8] & (1 << (tokenId & 0xff)) != 0;
    }

    // ================================================================ resale

    /// @inheritdoc IEventTicket
    function listForResale(uint256 tokenId, uint256 price) external whenNotPaused {
        address owner = _requireOwned(tokenId);
        if (owner != msg.sender) revert ERC721IncorrectOwner(msg.sender, tokenId, owner);
        EventState memory s = _state;
        if (s.cancelled) revert EventTicketEventIsCancelled();
        if (block.timestamp >= s.endsAt) revert EventTicketEventEnded();
        TierData storage t = _tiers[tokenId / TIER_ID_BASE];
        if (s.transferPolicy == TransferPolicy.Soulbound || !t.transferable) {
            revert EventTicketResaleNotAllowed(tokenId);
        }
        if (isCheckedIn(tokenId)) revert EventTicketCheckedInLocked(tokenId);
        uint256 maxPrice = maxResalePrice(tokenId);
        if (price > maxPrice) revert EventTicketResalePriceTooHigh(tokenId, price, maxPrice);
        uint16 royaltyBps = s.royaltyBps;
        _listings[tokenId] = Listing({seller: msg.sender, price: price.toUint80(), royaltyBps: royaltyBps});
        emit ResaleListed(tokenId, msg.sender, price, price * royaltyBps / _BPS, _currencyOf(t));
    }

    /// @inheritdoc IEventTicket
    function cancelResale(uint256 tokenId) external {
        address seller = _listings[tokenId].seller;
        if (seller == address(0)) revert EventTicketNotListed(tokenId);
        if (seller != msg.sender) revert ERC721IncorrectOwner(msg.sender, tokenId, seller);
        delete _listings[tokenId];
        emit ResaleCancelled(tokenId, seller);
    }

    /// @inheritdoc IEventTicket
    function buyResale(uint256 tokenId, uint256 price) external payable nonReentrant whenNotPaused {
        Listing memory l = _listings[tokenId];
        if (l.seller == address(0)) revert EventTicketNotListed(tokenId);
        if (l.price != price) revert EventTicketResalePriceMismatch(tokenId, l.price, price);
        EventState memory s = _state;
        if (s.cancelled) revert EventTicketEventIsCancelled();
        if (block.timestamp >= s.endsAt) revert EventTicketEventEnded();
        TierData storage t = _tiers[tokenId / TIER_ID_BASE];
        if (s.transferPolicy == TransferPolicy.Soulbound || !t.transferable) {
            revert EventTicketResaleNotAllowed(tokenId);
        }
        // the cap in force now applies (a lowered cap stops dearer listings); the royalty is the listing's own
        uint256 maxPrice = maxResalePrice(tokenId);
        if (price > maxPrice) revert EventTicketResalePriceTooHigh(tokenId, price, maxPrice);
        address currency = _currencyOf(t);
        uint256 royalty = price * l.royaltyBps / _BPS;

        // effects: the listing goes, the token moves (a listing is void once its token leaves the seller, so the
        // seller still owns it; the check-in lock is enforced in _update)
        delete _listings[tokenId];
        _transfer(l.seller, msg.sender, tokenId);
        emit ResaleCompleted(tokenId, l.seller, msg.sender, price, royalty, currency);

        // interactions: payment in, seller's share out; the royalty stays as revenue
        _collect(currency, price);
        _pay(currency, l.seller, price - royalty);
    }

    /// @inheritdoc IEventTicket
    function listing(uint256 tokenId) external view returns (address seller, uint256 price, uint256 royalty) {
        Listing memory l = _listings[tokenId];
        return (l.seller, l.price, uint256(l.price) * l.royaltyBps / _BPS);
    }

    /// @inheritdoc IEventTicket
    /// @dev Face value is what a refund pays: a comp's is 0, so a comp can change hands through resale only for 0
    /// and nobody can lose money buying one that is then refunded nothing.
    function maxResalePrice(uint256 tokenId) public view returns (uint256) {
        (uint256 faceValue,) = refundAmount(tokenId);
        return faceValue * (_BPS + _state.resaleCapBps) / _BPS;
    }

    // ================================================================ cancellation, refunds, settlement

    /// @inheritdoc IEventTicket
    function cancelEvent() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_state.cancelled) revert EventTicketEventIsCancelled();
        if (_state.settled) revert EventTicketAlreadySettled();
        uint256 closesAt = _settlementOpensAt();
        if (block.timestamp >= closesAt) revert EventTicketRefundWindowClosed(closesAt);
        _state.cancelled = true;
        emit EventCancelled(msg.sender);
    }

    /// @inheritdoc IEventTicket
    /// @dev Not pausable: once the event is cancelled, nothing the admin does can hold a refund.
    function claimRefunds(uint256[] calldata tokenIds, address to) external nonReentrant returns (uint256 total) {
        if (!_state.cancelled) revert EventTicketEventNotCancelled();
        if (to == address(0)) revert EventTicketInvalidReceiver(to);
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            uint256 id = tokenIds[i];
            address owner = _requireOwned(id);
            if (owner != msg.sender) revert ERC721IncorrectOwner(msg.sender, id, owner);
            (uint256 amount, address currency) = refundAmount(id);
            if (amount == 0) revert EventTicketNothingToRefund(id);
            _burn(id);
            _refundsOwed[currency] -= amount;
            emit RefundClaimed(id, msg.sender, amount, currency, to);
            _pay(currency, to, amount);
            total += amount;
        }
    }

    /// @inheritdoc IEventTicket
    function refundAmount(uint256 tokenId) public view returns (uint256 amount, address currency) {
        TierData storage t = _tiers[tokenId / TIER_ID_BASE];
        return (isComp(tokenId) ? 0 : t.price, _currencyOf(t));
    }

    /// @inheritdoc IEventTicket
    /// @dev A cancelled event settles at any time what it holds beyond the refunds it owes.
    function settle(address currency) external nonReentrant whenNotPaused returns (uint256 amount) {
        bool isCancelled = _state.cancelled;
        uint256 opensAt = _settlementOpensAt();
        if (!isCancelled && block.timestamp < opensAt) revert EventTicketSettlementNotOpen(opensAt);
        amount = currency == address(0) ? address(this).balance : IERC20(currency).balanceOf(address(this));
        if (isCancelled) {
            uint256 owed = _refundsOwed[currency];
            amount = amount > owed ? amount - owed : 0;
        }
        if (amount == 0) revert EventTicketNothingToSettle(currency);
        if (!_state.settled) _state.settled = true;
        address split_ = split();
        emit Settled(currency, amount, split_);
        if (currency == address(0)) {
            IRevenueSplit(split_).deposit{value: amount}(address(0), amount);
        } else {
            IERC20(currency).forceApprove(split_, amount);
            IRevenueSplit(split_).deposit(currency, amount);
        }
    }

    // ================================================================ views

    /// @inheritdoc IEventTicket
    /// @dev The split's address is this clone's immutable argument (set by the factory), not storage.
    function split() public view returns (address) {
        return address(bytes20(PayableClones.fetchArgs(address(this))));
    }

    /// @inheritdoc IEventTicket
    function tier(uint256 tierId) external view returns (Tier memory) {
        TierData storage t = _existingTier(tierId);
        return Tier({
            price: t.price,
            currency: _currencyOf(t),
            supply: t.supply,
            minted: t.minted,
            maxPerBuyer: t.maxPerBuyer,
            saleStart: t.saleStart,
            saleEnd: t.saleEnd,
            transferable: t.transferable,
            priceLocked: t.priceLocked
        });
    }

    /// @inheritdoc IEventTicket
    function referral(address referrer, address currency) external view returns (uint256 credit, uint256 total) {
        if (!_state.cancelled) return (_referralCredits[referrer][currency], _referralsOwed[currency]);
    }

    /// @inheritdoc IEventTicket
    function tierCount() external view returns (uint256) {
        return _state.tierCount;
    }

    /// @inheritdoc IEventTicket
    function tierOf(uint256 tokenId) external view returns (uint256) {
        uint256 serial = tokenId % TIER_ID_BASE;
        uint256 tierId = tokenId / TIER_ID_BASE;
        if (serial == 0 || serial > _tiers[tierId].minted) revert ERC721NonexistentToken(tokenId);
        return tierId;
    }

    /// @inheritdoc IEventTicket
    function isComp(uint256 tokenId) public view returns (bool) {
        return _compBits[tokenId >> 8] & (1 << (tokenId & 0xff)) != 0;
    }

    /// @inheritdoc IEventTicket
    function purchasedBy(uint256 tierId, address account) external view returns (uint256) {
        return _purchased[tierId][account];
    }

    /// @inheritdoc IEventTicket
    function schedule() external view returns (uint40 startsAt, uint40 endsAt, uint32 refundWindow) {
        return (_state.startsAt, _state.endsAt, _state.refundWindow);
    }

    /// @inheritdoc IEventTicket
    function transferPolicy() external view returns (TransferPolicy) {
        return _state.transferPolicy;
    }

    /// @inheritdoc IEventTicket
    function resaleTerms() external view returns (uint16 resaleCapBps, uint16 royaltyBps) {
        return (_state.resaleCapBps, _state.royaltyBps);
    }

    /// @inheritdoc IEventTicket
    function cancelled() external view returns (bool) {
        return _state.cancelled;
    }

    /// @inheritdoc IEventTicket
    function settled() external view returns (bool) {
        return _state.settled;
    }

    /// @inheritdoc IEventTicket
    function contractURI() external view returns (string memory) {
        return _contractURI;
    }

    /// @notice ERC-2981: the royalty is paid to this contract and becomes event revenue (plain ETH is accepted, even
    /// with `transfer`'s 2,300-gas stipend; it is settled with the rest, after a cancellation too).
    function royaltyInfo(uint256, uint256 salePrice) external view returns (address receiver, uint256 royaltyAmount) {
        return (address(this), salePrice * _state.royaltyBps / _BPS);
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721Upgradeable, AccessControlDefaultAdminRulesUpgradeable, IERC165)
        returns (bool)
    {
        return interfaceId == type(IERC2981).interfaceId || interfaceId == type(IEventTicket).interfaceId
            || super.supportsInterface(interfaceId);
    }

    // ================================================================ ERC-721 hooks

    /// @notice ERC-721 transfer, allowed only under the `Free` policy, for transferable tiers, when not paused.
    /// Checked-in tickets stay with their holder until the event ends. {safeTransferFrom} goes through here too.
    function transferFrom(address from, address to, uint256 tokenId) public override whenNotPaused {
        TransferPolicy policy = _state.transferPolicy;
        if (policy != TransferPolicy.Free || !_tiers[tokenId / TIER_ID_BASE].transferable) {
            revert EventTicketTransferNotAllowed(tokenId, policy);
        }
        super.transferFrom(from, to, tokenId);
    }

    /// @dev Every move of a token: the check-in lock for transfers (not mints or burns), and a listing is voided
    /// when its token leaves the seller.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0)) {
            if (to != address(0) && isCheckedIn(tokenId) && block.timestamp < _state.endsAt) {
                revert EventTicketCheckedInLocked(tokenId);
            }
            address seller = _listings[tokenId].seller;
            if (seller != address(0)) {
                delete _listings[tokenId];
                emit ResaleCancelled(tokenId, seller);
            }
        }
    }

    function _baseURI() internal view override returns (string memory) {
        return _baseTokenURI;
    }

    /// @dev OpenZeppelin's hook to move Initializable's storage: it lives in the first 72 bits of `_state`.
    function _initializableStorageSlot() internal pure override returns (bytes32 slot) {
        assembly {
            slot := _state.slot
        }
    }

    // ================================================================ internals

    function _addTier(TierConfig calldata tier_) private returns (uint256 tierId) {
        tierId = uint256(_state.tierCount) + 1;
        if (tierId > MAX_TIERS) revert EventTicketTooManyTiers(MAX_TIERS);
        _state.tierCount = uint8(tierId);
        _storeTier(_tiers[tierId], tier_, 0);
        emit TierCreated(
            tierId,
            tier_.name,
            tier_.price,
            tier_.currency,
            tier_.supply,
            tier_.maxPerBuyer,
            tier_.saleStart,
            tier_.saleEnd,
            tier_.transferable
        );
    }

    /// @dev Validates `tier_` (with `minted` tickets already out) and writes it in one slot.
    function _storeTier(TierData storage t, TierConfig calldata tier_, uint256 minted) private {
        if (tier_.supply == 0 || tier_.supply >= TIER_ID_BASE || tier_.supply < minted) {
            revert EventTicketInvalidSupply(tier_.supply, minted);
        }
        // sales end by the event's end (which only moves later), so nothing sells after settlement
        if (tier_.saleEnd <= tier_.saleStart || tier_.saleEnd > type(uint32).max || tier_.saleEnd > _state.endsAt) {
            revert EventTicketInvalidSaleWindow(tier_.saleStart, tier_.saleEnd);
        }
        t.price = tier_.price;
        t.currencyId = _currencyIdOf(tier_.currency);
        t.supply = uint24(tier_.supply);
        t.maxPerBuyer = tier_.maxPerBuyer;
        t.saleStart = uint32(tier_.saleStart);
        t.saleEnd = uint32(tier_.saleEnd);
        t.transferable = tier_.transferable;
    }

    /// @dev The id of `currency` in _currencies, registering it if new. ETH is 0.
    function _currencyIdOf(address currency) private returns (uint8) {
        if (currency == address(0)) return 0;
        uint256 count = _state.currencyCount;
        for (uint256 id = 1; id <= count; ++id) {
            if (_currencies[id] == currency) return uint8(id);
        }
        if (currency.code.length == 0) revert EventTicketInvalidCurrency(currency);
        if (count == type(uint8).max) revert EventTicketInvalidCurrency(currency);
        _currencies[count + 1] = currency;
        _state.currencyCount = uint8(count + 1);
        return uint8(count + 1);
    }

    function _currencyOf(TierData storage t) private view returns (address) {
        uint256 id = t.currencyId;
        return id == 0 ? address(0) : _currencies[id];
    }

    function _existingTier(uint256 tierId) private view returns (TierData storage t) {
        t = _tiers[tierId];
        if (t.supply == 0) revert EventTicketUnknownTier(tierId);
    }

    function _settlementOpensAt() private view returns (uint256) {
        return uint256(_state.endsAt) + _state.refundWindow;
    }

    /// @dev Takes exactly `amount` from the caller: ETH must be msg.value; an ERC-20 is pulled and must arrive in
    /// full (fee-on-transfer and other deflationary tokens are refused). SafeERC20 handles tokens without return values.
    function _collect(address currency, uint256 amount) private {
        if (currency == address(0)) {
            if (msg.value != amount) revert EventTicketIncorrectPayment(amount, msg.value);
        } else {
            if (msg.value != 0) revert EventTicketIncorrectPayment(0, msg.value);
            IERC20 token = IERC20(currency);
            uint256 before = token.balanceOf(address(this));
            token.safeTransferFrom(msg.sender, address(this), amount);
            uint256 received = token.balanceOf(address(this)) - before;
            if (received != amount) revert EventTicketTransferAmountMismatch(currency, amount, received);
        }
    }

    function _pay(address currency, address to, uint256 amount) private {
        if (amount == 0) return;
        if (currency == address(0)) {
            Address.sendValue(payable(to), amount);
        } else {
            IERC20(currency).safeTransfer(to, amount);
        }
    }
}
